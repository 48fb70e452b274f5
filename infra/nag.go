package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
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

// suppressXRayWildcard accepts the "*" resource that active tracing grants fn.
func suppressXRayWildcard(fn awslambda.Function) {
	suppress(rolePolicy(fn), "AwsSolutions-IAM5",
		"xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; AWS documents Resource \"*\" for them.",
		"Resource::*")
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

// ignoreRedundantRoleDependency tells cfn-lint that fn's DependsOn on its
// role is expected: CDK makes a function depend on everything under its role
// (so that the role's policy exists before the function can be invoked),
// which includes the role that the Role property already references (W3005).
func ignoreRedundantRoleDependency(fn awslambda.Function) {
	fn.Node().DefaultChild().(awscdk.CfnResource).AddMetadata(jsii.String("cfn-lint"), map[string]any{
		"config": map[string]any{"ignore_checks": []string{"W3005"}},
	})
}
