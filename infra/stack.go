package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/learnops/backoffice/shared/httpapi"
	"github.com/learnops/backoffice/shared/resources"
)

// DefaultAssetDir is where `make build` writes each function's binary, as
// <DefaultAssetDir>/<name>/bootstrap, relative to the repo top where cdk synth
// runs.
const DefaultAssetDir = ".build/functions"

const (
	functionMemoryMB = 256
	apiTimeoutSecs   = 10
	logRetention     = awslogs.RetentionDays_ONE_MONTH
	// deadLetterRetentionDays is the SQS maximum: a dead letter waits two
	// weeks for someone to look at it.
	deadLetterRetentionDays = 14
	// accessLogRetentionDays keeps the S3 server access logs of the report
	// files for a quarter, long enough to answer "who fetched this report".
	accessLogRetentionDays = 90

	// Default-stage throttling: far above what administrators click, low
	// enough that a runaway client cannot run up the table's bill.
	apiRateLimit  = 100
	apiBurstLimit = 200
)

// BackOfficeStackProps configures the back office stack.
type BackOfficeStackProps struct {
	awscdk.StackProps
	// AssetDir holds each function's built binary at <AssetDir>/<name>/bootstrap.
	// Empty means DefaultAssetDir.
	AssetDir string
}

// parameters are the stack's CloudFormation parameters, set at deploy time.
type parameters struct {
	jwtIssuerURL  awscdk.CfnParameter
	jwtAudience   awscdk.CfnParameter
	learnerAppURL awscdk.CfnParameter
}

// stores are the stateful resources declared in shared/resources.
type stores struct {
	table  awsdynamodb.TableV2
	queues map[string]awssqs.Queue // by resources.QueueSpec.Name
	bucket awss3.Bucket
}

// binding gives a function what it uses of the stores (grants, and any
// environment beyond the common one) and nothing more.
type binding func(fn awslambda.Function, s *stores)

// apiBindings says, for every function that serves routes, what it may touch.
// A function named in httpapi.Routes without an entry here fails the synth, so
// no function ships with permissions nobody decided on.
var apiBindings = map[string]binding{
	httpapi.FunctionAdmin: grantTableReadWrite,
}

// grantTableReadWrite lets fn read and write the items of the table and of its
// indexes.
func grantTableReadWrite(fn awslambda.Function, s *stores) {
	s.table.GrantReadWriteData(fn)
	suppressTableIndexWildcard(fn, s.table)
}

// functionSpec is one Lambda of the back office. The API functions are made
// from httpapi.Functions(); functions with other triggers (SQS, S3, schedules)
// are further specs whose bind also attaches their event source.
type functionSpec struct {
	// name is the folder under functions/ and under the asset directory.
	name        string
	description string
	timeoutSecs float64
	bind        binding
}

// NewBackOfficeStack declares the whole back office: the table, queues and
// bucket of shared/resources, one Lambda per function and the HTTP API of
// httpapi.Routes behind a JWT authorizer. The stack is environment-agnostic,
// so it synthesises without an AWS account.
func NewBackOfficeStack(scope constructs.Construct, id string, props *BackOfficeStackProps) awscdk.Stack {
	var stackProps awscdk.StackProps
	assetDir := DefaultAssetDir
	if props != nil {
		stackProps = props.StackProps
		if props.AssetDir != "" {
			assetDir = props.AssetDir
		}
	}
	if stackProps.Description == nil {
		stackProps.Description = jsii.String("Back office of the learning platform: organisations, contracts, programs, invitations, messaging and reports.")
	}
	stack := awscdk.NewStack(scope, &id, &stackProps)

	params := newParameters(stack)
	s := &stores{
		table:  newTable(stack, resources.Table),
		queues: map[string]awssqs.Queue{},
		bucket: newFilesBucket(stack, resources.Bucket),
	}
	for _, spec := range resources.Queues {
		s.queues[spec.Name] = newQueue(stack, spec)
	}

	functions := map[string]awslambda.Function{}
	for _, name := range httpapi.Functions() {
		bind, ok := apiBindings[name]
		if !ok {
			panic(fmt.Sprintf("function %q serves routes but apiBindings does not say what it may access", name))
		}
		functions[name] = newFunction(stack, assetDir, params, s, functionSpec{
			name:        name,
			description: name + ": serves its routes of the HTTP API",
			timeoutSecs: apiTimeoutSecs,
			bind:        bind,
		})
	}
	stage := newHTTPAPI(stack, params, functions)

	output(stack, "ApiUrl", stage.Url(), "Base URL of the HTTP API")
	output(stack, "TableName", s.table.TableName(), "The single DynamoDB table")
	output(stack, "BucketName", s.bucket.BucketName(), "Bucket of report files and uploaded imports")
	for _, spec := range resources.Queues {
		q := s.queues[spec.Name]
		output(stack, constructID(spec.Name)+"Url", q.QueueUrl(), "Queue "+spec.Name)
		output(stack, constructID(spec.DeadLetterName)+"Url", q.DeadLetterQueue().Queue.QueueUrl(), "Dead-letter queue of "+spec.Name)
	}
	return stack
}

// newParameters declares what differs between deployments: the identity
// provider and the learner app's address.
func newParameters(stack awscdk.Stack) parameters {
	const httpsURL = `^https://\S+$`
	return parameters{
		jwtIssuerURL: awscdk.NewCfnParameter(stack, jsii.String("JwtIssuerUrl"), &awscdk.CfnParameterProps{
			Type:                  jsii.String("String"),
			Description:           jsii.String("Issuer (iss) of the JWTs the API accepts, e.g. https://cognito-idp.<region>.amazonaws.com/<user pool id>"),
			AllowedPattern:        jsii.String(httpsURL),
			ConstraintDescription: jsii.String("must be an https URL"),
		}),
		jwtAudience: awscdk.NewCfnParameter(stack, jsii.String("JwtAudience"), &awscdk.CfnParameterProps{
			Type:        jsii.String("CommaDelimitedList"),
			Description: jsii.String("Audiences (aud, or client_id of Cognito access tokens) the API accepts, comma separated"),
		}),
		learnerAppURL: awscdk.NewCfnParameter(stack, jsii.String("LearnerAppUrl"), &awscdk.CfnParameterProps{
			Type:                  jsii.String("String"),
			Default:               jsii.String("https://learn.example.com"),
			Description:           jsii.String("Base URL of the learner app, for the program and invitation links in emails"),
			AllowedPattern:        jsii.String(httpsURL),
			ConstraintDescription: jsii.String("must be an https URL"),
		}),
	}
}

// newTable declares the single table. CloudFormation names it; the functions
// read the name from TABLE_NAME.
func newTable(stack awscdk.Stack, spec resources.TableSpec) awsdynamodb.TableV2 {
	var indexes []*awsdynamodb.GlobalSecondaryIndexPropsV2
	for _, ix := range spec.Indexes {
		indexes = append(indexes, &awsdynamodb.GlobalSecondaryIndexPropsV2{
			IndexName:      jsii.String(ix.Name),
			PartitionKey:   keyAttribute(ix.PartitionKey),
			SortKey:        keyAttribute(ix.SortKey),
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		})
	}
	return awsdynamodb.NewTableV2(stack, jsii.String("Table"), &awsdynamodb.TablePropsV2{
		PartitionKey:           keyAttribute(spec.PartitionKey),
		SortKey:                keyAttribute(spec.SortKey),
		GlobalSecondaryIndexes: &indexes,
		Billing:                awsdynamodb.Billing_OnDemand(nil),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		// The AWS-managed key (aws/dynamodb): no AwsSolutions rule asks for a
		// customer-managed one, and it spares a key policy and KMS grants on
		// every function.
		Encryption:          awsdynamodb.TableEncryptionV2_AwsManagedKey(),
		TimeToLiveAttribute: jsii.String(spec.TTLAttribute),
		DeletionProtection:  jsii.Bool(true),
		RemovalPolicy:       awscdk.RemovalPolicy_RETAIN,
	})
}

// keyAttribute converts a key attribute of the spec; nil for an absent sort key.
func keyAttribute(a resources.Attribute) *awsdynamodb.Attribute {
	if a.Name == "" {
		return nil
	}
	types := map[resources.KeyType]awsdynamodb.AttributeType{
		resources.String: awsdynamodb.AttributeType_STRING,
		resources.Number: awsdynamodb.AttributeType_NUMBER,
	}
	t, ok := types[a.Type]
	if !ok {
		panic(fmt.Sprintf("key attribute %s: unknown type %q", a.Name, a.Type))
	}
	return &awsdynamodb.Attribute{Name: jsii.String(a.Name), Type: t}
}

// newQueue declares the queue of spec with its dead-letter queue.
func newQueue(stack awscdk.Stack, spec resources.QueueSpec) awssqs.Queue {
	dlq := awssqs.NewQueue(stack, jsii.String(constructID(spec.DeadLetterName)), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(deadLetterRetentionDays)),
	})
	return awssqs.NewQueue(stack, jsii.String(constructID(spec.Name)), &awssqs.QueueProps{
		Encryption:        awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(spec.VisibilityTimeoutSeconds)),
		RetentionPeriod:   awscdk.Duration_Days(jsii.Number(spec.RetentionDays)),
		DeadLetterQueue: &awssqs.DeadLetterQueue{
			Queue:           dlq,
			MaxReceiveCount: jsii.Number(spec.MaxReceiveCount),
		},
	})
}

// newFilesBucket declares the bucket of report files and uploaded imports,
// private and expiring, with its server access logs in a second bucket.
func newFilesBucket(stack awscdk.Stack, spec resources.BucketSpec) awss3.Bucket {
	accessLogs := awss3.NewBucket(stack, jsii.String("AccessLogs"), &awss3.BucketProps{
		// Log delivery writes only to SSE-S3 buckets.
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		EnforceSSL:        jsii.Bool(true),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Expiration: awscdk.Duration_Days(jsii.Number(accessLogRetentionDays)),
		}},
	})

	return awss3.NewBucket(stack, jsii.String("Files"), &awss3.BucketProps{
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		EnforceSSL:             jsii.Bool(true),
		MinimumTLSVersion:      jsii.Number(1.2),
		ServerAccessLogsBucket: accessLogs,
		ServerAccessLogsPrefix: jsii.String(spec.Name + "/"),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Expiration:                          awscdk.Duration_Days(jsii.Number(spec.ExpireDays)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
		// Browsers upload import CSVs straight to S3 with presigned PUT URLs;
		// the signature, not the origin, is what authorises the upload.
		Cors: &[]*awss3.CorsRule{{
			AllowedMethods: &[]awss3.HttpMethods{awss3.HttpMethods_PUT},
			AllowedOrigins: jsii.Strings("*"),
			AllowedHeaders: jsii.Strings("*"),
			MaxAge:         jsii.Number(3600),
		}},
	})
}

// newFunction declares the Lambda of spec with its own role and log group.
// The role starts empty: the function may write its own log group and
// traces, and spec.bind adds what it uses of the stores.
func newFunction(stack awscdk.Stack, assetDir string, params parameters, s *stores, spec functionSpec) awslambda.Function {
	code := filepath.Join(assetDir, spec.name)
	if _, err := os.Stat(filepath.Join(code, "bootstrap")); err != nil {
		panic(fmt.Sprintf("function %s: %v (run `make build` first)", spec.name, err))
	}
	id := functionID(spec.name)

	// An explicit role instead of the AWSLambdaBasicExecutionRole managed
	// policy, which would let the function write to every log group.
	role := awsiam.NewRole(stack, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Execution role of the " + spec.name + " function"),
	})
	logs := awslogs.NewLogGroup(stack, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		Retention: logRetention,
	})
	logs.GrantWrite(role)

	fn := awslambda.NewFunction(stack, jsii.String(id), &awslambda.FunctionProps{
		Description:  jsii.String(spec.description),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(code), nil),
		MemorySize:   jsii.Number(functionMemoryMB),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(spec.timeoutSecs)),
		Role:         role,
		LogGroup:     logs,
		Tracing:      awslambda.Tracing_ACTIVE,
		Environment: &map[string]*string{
			"TABLE_NAME":      s.table.TableName(),
			"LEARNER_APP_URL": params.learnerAppURL.ValueAsString(),
			"LOG_LEVEL":       jsii.String("info"),
		},
	})
	ignoreRedundantRoleDependency(fn)
	suppressXRayWildcard(fn)
	spec.bind(fn, s)
	return fn
}

// newHTTPAPI declares the HTTP API with one route per entry of
// httpapi.Routes and returns its default stage.
func newHTTPAPI(stack awscdk.Stack, params parameters, functions map[string]awslambda.Function) awsapigatewayv2.HttpStage {
	api := awsapigatewayv2.NewHttpApi(stack, jsii.String("HttpApi"), &awsapigatewayv2.HttpApiProps{
		ApiName:     stack.StackName(),
		Description: jsii.String("Back office API"),
		// The default stage is declared below, with access logs and throttling.
		CreateDefaultStage: jsii.Bool(false),
	})
	accessLogs := awslogs.NewLogGroup(stack, jsii.String("HttpApiAccessLogs"), &awslogs.LogGroupProps{
		Retention: logRetention,
	})
	stage := api.AddStage(jsii.String("DefaultStage"), &awsapigatewayv2.HttpStageOptions{
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		AccessLogSettings: &accessLogSettings{
			destination: awsapigatewayv2.NewLogGroupLogDestination(accessLogs),
			format:      awsapigateway.AccessLogFormat_Custom(jsii.String(accessLogFormat())),
		},
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(apiRateLimit),
			BurstLimit: jsii.Number(apiBurstLimit),
		},
	})

	jwt := awsapigatewayv2authorizers.NewHttpJwtAuthorizer(jsii.String("JwtAuthorizer"), params.jwtIssuerURL.ValueAsString(),
		&awsapigatewayv2authorizers.HttpJwtAuthorizerProps{
			JwtAudience: params.jwtAudience.ValueAsList(),
		})
	public := awsapigatewayv2.NewHttpNoneAuthorizer()

	integrations := map[string]awsapigatewayv2integrations.HttpLambdaIntegration{}
	for _, r := range httpapi.Routes {
		fn, ok := functions[r.Function]
		if !ok {
			panic(fmt.Sprintf("route %s: no function %q", r.Key(), r.Function))
		}
		integration, ok := integrations[r.Function]
		if !ok {
			integration = awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(constructID(r.Function)+"Integration"), fn, nil)
			integrations[r.Function] = integration
		}
		var authorizer awsapigatewayv2.IHttpRouteAuthorizer = jwt
		if r.Public {
			authorizer = public
		}
		routes := api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(r.Path),
			Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(r.Method)},
			Integration: integration,
			Authorizer:  authorizer,
		})
		if r.Public {
			suppressPublicRoute((*routes)[0], r.Key())
		}
	}
	return stage
}

// accessLogSettings implements awsapigatewayv2.IAccessLogSettings.
type accessLogSettings struct {
	destination awsapigatewayv2.IAccessLogDestination
	format      awsapigateway.AccessLogFormat
}

// Destination is where the access logs go.
func (a *accessLogSettings) Destination() awsapigatewayv2.IAccessLogDestination {
	return a.destination
}

// Format is the format of one access log line.
func (a *accessLogSettings) Format() awsapigateway.AccessLogFormat { return a.format }

// accessLogFormat is one JSON object per request, with HTTP API context
// variables only (some REST API ones, like resourcePath, fail the deployment).
func accessLogFormat() string {
	b, err := json.Marshal(map[string]string{
		"requestId":          "$context.requestId",
		"ip":                 "$context.identity.sourceIp",
		"userAgent":          "$context.identity.userAgent",
		"requestTime":        "$context.requestTime",
		"httpMethod":         "$context.httpMethod",
		"routeKey":           "$context.routeKey",
		"path":               "$context.path",
		"status":             "$context.status",
		"protocol":           "$context.protocol",
		"responseLength":     "$context.responseLength",
		"responseLatency":    "$context.responseLatency",
		"integrationLatency": "$context.integrationLatency",
		"integrationError":   "$context.integrationErrorMessage",
		"authorizerError":    "$context.authorizer.error",
		"sub":                "$context.authorizer.claims.sub",
	})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// output declares a stack output.
func output(stack awscdk.Stack, id string, value *string, description string) {
	awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{
		Value:       value,
		Description: jsii.String(description),
	})
}

// functionID is the construct ID of the function called name; its role and
// log group are functionID(name)+"Role" and functionID(name)+"Logs".
func functionID(name string) string { return constructID(name) + "Function" }

// constructID turns a resource or function name such as "backoffice-mail-dlq"
// into a construct ID such as "BackofficeMailDlq".
func constructID(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		rs := []rune(part)
		b.WriteRune(unicode.ToUpper(rs[0]))
		b.WriteString(string(rs[1:]))
	}
	return b.String()
}
