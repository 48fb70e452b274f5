package main

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// applyNag checks every construct of app against cdk-nag's AWS Solutions
// rules when the app synthesises: a finding that is not suppressed below,
// with its reason, is an error annotation and fails `cdk synth`.
func applyNag(app awscdk.App) {
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{
		Verbose: jsii.Bool(true),
	}), nil)
}

// suppress records that the finding id does not apply to the CloudFormation
// resource of construct (its default child, or itself), for reason;
// appliesTo narrows it to those findings of a granular rule such as IAM5.
func suppress(construct constructs.IConstruct, id, reason string, appliesTo ...string) {
	s := &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		list := make([]any, len(appliesTo))
		for i, a := range appliesTo {
			list[i] = a
		}
		s.AppliesTo = &list
	}
	cdknag.NagSuppressions_AddResourceSuppressions(construct, &[]*cdknag.NagPackSuppression{s}, jsii.Bool(false))
}

// suppressPublicRoute accepts a route without an authorizer.
func suppressPublicRoute(route awsapigatewayv2.HttpRoute, key string) {
	suppress(route, "AwsSolutions-APIG4",
		key+" is public by design (httpapi.Route.Public): a health check that load balancers and uptime monitors call without a token; it returns no data.")
}

// suppressTableIndexWildcard accepts the "<table>/index/*" resource of a
// table grant to fn. Call it after the grant.
func suppressTableIndexWildcard(fn awslambda.Function, table awsdynamodb.TableV2) {
	tableID := awscdk.Stack_Of(table).GetLogicalId(table.Node().DefaultChild().(awscdk.CfnElement))
	suppress(rolePolicy(fn), "AwsSolutions-IAM5",
		"Queries on the table's global secondary indexes need the index ARNs; the wildcard covers only the indexes of this one table.",
		fmt.Sprintf("Resource::<%s.Arn>/index/*", *tableID))
}

// Why a function's statements need Resource "*".
const (
	xrayStarReason      = "xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) support no resource-level permissions; AWS documents Resource \"*\" for them."
	sendQuotaStarReason = "ses:GetSendQuota reads an account-level setting and supports no resource-level permissions; AWS documents Resource \"*\" for it."
)

// starReasons collects, per function, why its statements need Resource "*".
// cdk-nag reports every such statement of a role policy as one IAM5 finding
// ("Resource::*", and CDK merges statements on "*" into one) and shows one
// reason for it, so the reasons are joined into one suppression.
type starReasons map[string][]string

// add records reason for fn.
func (r starReasons) add(fn awslambda.Function, reason string) {
	path := *fn.Node().Path()
	r[path] = append(r[path], reason)
}

// suppress accepts the "*" resources of fn's role policy, with the reasons
// recorded for fn. Call it once all of fn's grants are made.
func (r starReasons) suppress(fn awslambda.Function) {
	if reasons := r[*fn.Node().Path()]; len(reasons) > 0 {
		suppress(rolePolicy(fn), "AwsSolutions-IAM5", strings.Join(reasons, " "), "Resource::*")
	}
}

// rolePolicy is the policy that grants add to fn's role. It exists once the
// first grant has been made.
func rolePolicy(fn awslambda.Function) constructs.IConstruct {
	policy := fn.Role().Node().TryFindChild(jsii.String("DefaultPolicy"))
	if policy == nil {
		panic(fmt.Sprintf("%s: no role policy to suppress findings on yet", *fn.Node().Path()))
	}
	return policy
}

// ignoreRedundantRoleDependency tells cfn-lint that the DependsOn of fn (a
// function's CloudFormation resource) on its role is expected: CDK makes a
// function depend on everything under its role (so that the role's policy
// exists before the function can be invoked), which includes the role that
// the Role property already references (W3005).
func ignoreRedundantRoleDependency(fn awscdk.CfnResource) {
	fn.AddMetadata(jsii.String("cfn-lint"), map[string]any{
		"config": map[string]any{"ignore_checks": []string{"W3005"}},
	})
}

// suppressObjectPrefixWildcard accepts the "<bucket>/<prefix>*" resource of
// an object grant to fn. Call it after the grant.
func suppressObjectPrefixWildcard(fn awslambda.Function, bucket awss3.Bucket, prefix string) {
	bucketID := awscdk.Stack_Of(bucket).GetLogicalId(bucket.Node().DefaultChild().(awscdk.CfnElement))
	suppress(rolePolicy(fn), "AwsSolutions-IAM5",
		fmt.Sprintf("The function works on objects whose keys it makes up at run time (one per import or report) under %q; the wildcard covers only that prefix of the one files bucket.", prefix),
		fmt.Sprintf("Resource::<%s.Arn>/%s*", *bucketID, prefix))
}

// suppressSESIdentityWildcard accepts the SES identity wildcard of the
// mailer's send permission.
func suppressSESIdentityWildcard(fn awslambda.Function) {
	suppress(rolePolicy(fn), "AwsSolutions-IAM5",
		"SES authorises a send against the identity that verifies the From address (the address or its domain) and, in the SES sandbox, against every recipient's identity; the statement is limited to this account's identities in this region and conditioned on ses:FromAddress equal to the MailFrom parameter.",
		"Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*")
}

// bucketNotificationsHandlerPrefix starts the construct ID of the Lambda
// that CDK adds, once per stack, to put S3 bucket notifications in place
// (the ID ends in a fixed hash, BucketNotificationsHandler050a0587…).
const bucketNotificationsHandlerPrefix = "BucketNotificationsHandler"

// suppressBucketNotificationsHandler accepts the AWS managed policy on the
// role of the Lambda behind CDK's Custom::S3BucketNotifications resource,
// and tells cfn-lint that its DependsOn on that role is expected (as for our
// functions). CDK writes that function and its role; they exist once a bucket
// notification is declared, so call it after bucket.AddEventNotification.
// It touches nothing else: the handler's own policy is scoped to the bucket
// (s3:PutBucketNotification on its ARN) and passes IAM5 as it is, and its
// runtime is the latest Python, which passes L1.
func suppressBucketNotificationsHandler(stack awscdk.Stack) {
	found := false
	for _, c := range *stack.Node().Children() {
		if !strings.HasPrefix(*c.Node().Id(), bucketNotificationsHandlerPrefix) {
			continue
		}
		role := c.Node().TryFindChild(jsii.String("Role"))
		handler, ok := c.Node().TryFindChild(jsii.String("Resource")).(awscdk.CfnResource)
		if role == nil || !ok {
			panic(fmt.Sprintf("%s: CDK's bucket notifications handler has no Role or Resource child", *c.Node().Path()))
		}
		ignoreRedundantRoleDependency(handler)
		suppress(role, "AwsSolutions-IAM4",
			"The role of CDK's own Custom::S3BucketNotifications handler, which runs only while CloudFormation deploys the stack to put the files bucket's notification in place; CDK attaches AWSLambdaBasicExecutionRole to it and offers no way to replace it.",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
		found = true
	}
	if !found {
		panic("no " + bucketNotificationsHandlerPrefix + "* construct in the stack: call suppressBucketNotificationsHandler after adding a bucket notification")
	}
}
