package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/jsii-runtime-go"

	"github.com/learnops/backoffice/shared/adapters/httpapi"
	appenv "github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/resources"
	"github.com/learnops/backoffice/shared/testkit/emulator"
)

// The app is synthesised once for the whole run: every synth walks the
// construct tree and cdk-nag in the jsii node process, which takes seconds.
var (
	workDir   string
	synthOnce sync.Once
	synthed   *synthesis
	synthErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "infra-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	workDir = dir
	code := m.Run()
	jsii.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

// synthesis is the synthesised app: the back office stack with its template,
// and a canary stack that cdk-nag must find fault with.
type synthesis struct {
	// cfg is the settings of the stage synthesised (DefaultStage).
	cfg   Config
	stack awscdk.Stack
	// other is the stack of otherStage, beside it in the same app.
	other    awscdk.Stack
	canary   awscdk.Stack
	template map[string]any
}

// synth returns the app, synthesising it on first use.
func synth(t *testing.T) *synthesis {
	t.Helper()
	synthOnce.Do(func() { synthed, synthErr = synthesise(workDir) })
	if synthErr != nil {
		t.Fatalf("synth: %v", synthErr)
	}
	return synthed
}

// synthesise builds the app as main does, with the feature flags of cdk.json
// and a placeholder binary for each function, and synthesises it into dir.
func synthesise(dir string) (s *synthesis, err error) {
	defer func() {
		if r := recover(); r != nil { // jsii reports construct errors as panics
			err = fmt.Errorf("%v", r)
		}
	}()
	assets := filepath.Join(dir, "functions")
	for _, name := range Functions() {
		if err := os.MkdirAll(filepath.Join(assets, name), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(assets, name, "bootstrap"), []byte("placeholder"), 0o755); err != nil {
			return nil, err
		}
	}
	bundle, err := writeConsoleBundle(dir)
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile("../cdk.json")
	if err != nil {
		return nil, err
	}
	var cdkJSON struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &cdkJSON); err != nil {
		return nil, fmt.Errorf("cdk.json: %w", err)
	}

	app := awscdk.NewApp(&awscdk.AppProps{
		Context: &cdkJSON.Context,
		Outdir:  jsii.String(filepath.Join(dir, "cdk.out")),
	})
	applyNag(app)
	cfg, err := LoadConfig(app, "stages")
	if err != nil {
		return nil, err
	}
	stack := NewBackOfficeStack(app, cfg.StackName(), &BackOfficeStackProps{AssetDir: assets, ConsoleDir: bundle, Config: cfg, StackProps: cfg.StackProps()})
	// A second stage in the same app, with the other choices: its own OIDC
	// issuer, no custom domain (see otherStage).
	other := NewBackOfficeStack(app, otherStage.StackName(), &BackOfficeStackProps{AssetDir: assets, ConsoleDir: bundle, Config: otherStage, StackProps: otherStage.StackProps()})

	// A queue without a dead-letter queue breaks AwsSolutions-SQS3: proof that
	// the checks run at all, so that "no errors" below means something.
	canary := awscdk.NewStack(app, jsii.String("NagCanary"), nil)
	awssqs.NewQueue(canary, jsii.String("Orphan"), &awssqs.QueueProps{EnforceSSL: jsii.Bool(true)})

	template := assertions.Template_FromStack(stack, nil).ToJSON()
	return &synthesis{cfg: cfg, stack: stack, other: other, canary: canary, template: *template}, nil
}

// logicalID is the logical ID of the CloudFormation resource of the
// construct id at the top of the stack.
func (s *synthesis) logicalID(t *testing.T, id string) string {
	t.Helper()
	c := s.stack.Node().TryFindChild(jsii.String(id))
	if c == nil {
		t.Fatalf("no construct %q in the stack", id)
	}
	l1, ok := c.Node().DefaultChild().(awscdk.CfnElement)
	if !ok {
		t.Fatalf("construct %q has no CloudFormation resource", id)
	}
	return *s.stack.GetLogicalId(l1)
}

// resource is the template's resource logicalID, of type typ.
func (s *synthesis) resource(t *testing.T, logicalID, typ string) map[string]any {
	t.Helper()
	r, _ := s.resources(typ)[logicalID].(map[string]any)
	if r == nil {
		t.Fatalf("no %s %s in the template", typ, logicalID)
	}
	return r
}

// resources are the template's resources of type typ, by logical ID.
func (s *synthesis) resources(typ string) map[string]any {
	all, _ := s.template["Resources"].(map[string]any)
	found := map[string]any{}
	for id, r := range all {
		if get(r, "Type") == typ {
			found[id] = r
		}
	}
	return found
}

// get follows path (map keys and slice indexes) into v; nil where it leads nowhere.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// list is v as a list: a lone value (CloudFormation allows one in place of a
// list of one) becomes a list of one.
func list(v any) []any {
	switch l := v.(type) {
	case nil:
		return nil
	case []any:
		return l
	default:
		return []any{v}
	}
}

// refs are the logical IDs that v references with Ref or Fn::GetAtt.
func refs(v any) []string {
	seen := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if id, ok := x["Ref"].(string); ok {
				seen[id] = true
			}
			if id, ok := get(x, "Fn::GetAtt", 0).(string); ok {
				seen[id] = true
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// keySchema normalises a key schema to attribute name → HASH or RANGE.
func keySchema(elems []any) map[string]string {
	m := map[string]string{}
	for _, e := range elems {
		m[fmt.Sprint(get(e, "AttributeName"))] = fmt.Sprint(get(e, "KeyType"))
	}
	return m
}

// index is a global secondary index, normalised for comparison.
type index struct {
	Keys       map[string]string
	Projection string
	// Include are the non-key attributes of an INCLUDE projection.
	Include string
}

// toAny round-trips v through JSON, so that SDK structs compare as template JSON.
func toAny(t *testing.T, v any) []any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out []any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTableIsTheEmulatorsTable(t *testing.T) {
	// GIVEN the request the local start-up sends to create the table
	want := emulator.CreateTableInput(resources.Table, "x")
	wantAttrs := map[string]string{}
	for _, d := range want.AttributeDefinitions {
		wantAttrs[*d.AttributeName] = string(d.AttributeType)
	}
	wantIndexes := map[string]index{}
	for _, ix := range want.GlobalSecondaryIndexes {
		wantIndexes[*ix.IndexName] = index{Keys: keySchema(toAny(t, ix.KeySchema)), Projection: string(ix.Projection.ProjectionType),
			Include: fmt.Sprint(ix.Projection.NonKeyAttributes)}
	}

	// WHEN the app is synthesised
	s := synth(t)

	// THEN the template declares exactly one table, with the same keys and indexes
	if n := len(s.resources("AWS::DynamoDB::GlobalTable")) + len(s.resources("AWS::DynamoDB::Table")); n != 1 {
		t.Fatalf("tables: got %d, want 1", n)
	}
	table := s.resource(t, s.logicalID(t, "Table"), "AWS::DynamoDB::GlobalTable")
	props := get(table, "Properties")

	if got, want := keySchema(list(get(props, "KeySchema"))), keySchema(toAny(t, want.KeySchema)); !reflect.DeepEqual(got, want) {
		t.Errorf("KeySchema: got %v, want %v", got, want)
	}
	gotAttrs := map[string]string{}
	for _, d := range list(get(props, "AttributeDefinitions")) {
		gotAttrs[fmt.Sprint(get(d, "AttributeName"))] = fmt.Sprint(get(d, "AttributeType"))
	}
	if !reflect.DeepEqual(gotAttrs, wantAttrs) {
		t.Errorf("AttributeDefinitions: got %v, want %v", gotAttrs, wantAttrs)
	}
	gotIndexes := map[string]index{}
	for _, ix := range list(get(props, "GlobalSecondaryIndexes")) {
		gotIndexes[fmt.Sprint(get(ix, "IndexName"))] = index{
			Keys:       keySchema(list(get(ix, "KeySchema"))),
			Projection: fmt.Sprint(get(ix, "Projection", "ProjectionType")),
			Include:    fmt.Sprint(list(get(ix, "Projection", "NonKeyAttributes"))),
		}
	}
	if !reflect.DeepEqual(gotIndexes, wantIndexes) {
		t.Errorf("GlobalSecondaryIndexes: got %v, want %v", gotIndexes, wantIndexes)
	}

	// AND no index projects every attribute or the ones every activity
	// event rewrites, within DynamoDB's limit of 100 projected non-key
	// attributes over all indexes (which the emulator does not check)
	projected := 0
	for _, ix := range list(get(props, "GlobalSecondaryIndexes")) {
		name := fmt.Sprint(get(ix, "IndexName"))
		if got := fmt.Sprint(get(ix, "Projection", "ProjectionType")); got != "INCLUDE" {
			t.Errorf("%s projects %s, want INCLUDE", name, got)
		}
		for _, a := range list(get(ix, "Projection", "NonKeyAttributes")) {
			projected++
			if a == "lastActivityAt" || a == "lastActivityMs" || a == "updatedAt" {
				t.Errorf("%s projects %v", name, a)
			}
		}
	}
	if projected > 100 {
		t.Errorf("%d projected non-key attributes, over DynamoDB's 100", projected)
	}

	// AND the members view's sorts by counts have their indexes: a
	// program's learners in one state and shard (GSI1PK) by their count of
	// enrollments (GSI7SK) and of completions (GSI8SK), projecting what the
	// view's filters read (the GSI5 key for the inactivity windows) and not
	// the counts' own companions that change apart from them
	for name, sk := range map[string]string{"GSI7": "GSI7SK", "GSI8": "GSI8SK"} {
		ix, ok := gotIndexes[name]
		if want := map[string]string{"GSI1PK": "HASH", sk: "RANGE"}; !ok || !reflect.DeepEqual(ix.Keys, want) {
			t.Errorf("%s: keys %v, want %v", name, ix.Keys, want)
		}
		projects := strings.Fields(strings.Trim(ix.Include, "[]"))
		for _, a := range []string{"GSI5SK", "currentEnrollments", "completions", "contractId", "currentItems"} {
			if !slices.Contains(projects, a) {
				t.Errorf("%s does not project %s: %s", name, a, ix.Include)
			}
		}
		if slices.Contains(projects, "enrollments") {
			t.Errorf("%s projects the enrollments count, which no filter reads: %s", name, ix.Include)
		}
	}

	// AND it is on-demand, recoverable, encrypted, expiring and retained
	if got, want := get(props, "BillingMode"), string(types.BillingModePayPerRequest); got != want {
		t.Errorf("BillingMode: got %v, want %v", got, want)
	}
	replicas := list(get(props, "Replicas"))
	if len(replicas) != 1 {
		t.Fatalf("replicas: got %d, want 1", len(replicas))
	}
	if got := get(replicas[0], "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"); got != true {
		t.Errorf("point-in-time recovery: got %v, want true", got)
	}
	if got := get(props, "SSESpecification", "SSEEnabled"); got != true {
		t.Errorf("SSEEnabled: got %v, want true", got)
	}
	if got := get(props, "TimeToLiveSpecification"); !reflect.DeepEqual(got, map[string]any{"AttributeName": resources.Table.TTLAttribute, "Enabled": true}) {
		t.Errorf("TimeToLiveSpecification: got %v, want %s enabled", got, resources.Table.TTLAttribute)
	}
	for _, policy := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
		if got := get(table, policy); got != "Retain" {
			t.Errorf("%s: got %v, want Retain", policy, got)
		}
	}
}

func TestQueuesHaveDeadLetterQueues(t *testing.T) {
	// GIVEN the queues of shared/app/resources
	// WHEN the app is synthesised
	s := synth(t)

	// THEN each queue and its dead-letter queue exist, and no other but the
	// two failure queues of the Operations construct (see ops_test.go)
	if got, want := len(s.resources("AWS::SQS::Queue")), 2*len(resources.Queues)+2; got != want {
		t.Errorf("queues: got %d, want %d", got, want)
	}
	sslOnly := map[string]bool{}
	for _, p := range s.resources("AWS::SQS::QueuePolicy") {
		for _, st := range list(get(p, "Properties", "PolicyDocument", "Statement")) {
			if get(st, "Effect") == "Deny" && get(st, "Condition", "Bool", "aws:SecureTransport") == "false" {
				for _, id := range refs(get(p, "Properties", "Queues")) {
					sslOnly[id] = true
				}
			}
		}
	}
	for _, spec := range resources.Queues {
		t.Run(spec.Name, func(t *testing.T) {
			queueID, dlqID := s.logicalID(t, constructID(spec.Name)), s.logicalID(t, constructID(spec.DeadLetterName))
			queue := get(s.resource(t, queueID, "AWS::SQS::Queue"), "Properties")
			dlq := get(s.resource(t, dlqID, "AWS::SQS::Queue"), "Properties")

			// AND the queue redrives to its dead-letter queue after the spec's receives
			if got := refs(get(queue, "RedrivePolicy", "deadLetterTargetArn")); !slices.Equal(got, []string{dlqID}) {
				t.Errorf("dead-letter target: got %v, want %s", got, dlqID)
			}
			if got, want := get(queue, "RedrivePolicy", "maxReceiveCount"), float64(spec.MaxReceiveCount); got != want {
				t.Errorf("maxReceiveCount: got %v, want %v", got, want)
			}
			if got, want := get(queue, "VisibilityTimeout"), float64(spec.VisibilityTimeoutSeconds); got != want {
				t.Errorf("VisibilityTimeout: got %v, want %v", got, want)
			}
			if got, want := get(queue, "MessageRetentionPeriod"), float64(spec.RetentionDays*24*3600); got != want {
				t.Errorf("MessageRetentionPeriod: got %v, want %v", got, want)
			}
			if got, want := get(dlq, "MessageRetentionPeriod"), float64(deadLetterRetentionDays*24*3600); got != want {
				t.Errorf("dead-letter MessageRetentionPeriod: got %v, want %v", got, want)
			}
			// AND both are encrypted and refuse plain HTTP
			for id, props := range map[string]any{queueID: queue, dlqID: dlq} {
				if got := get(props, "SqsManagedSseEnabled"); got != true {
					t.Errorf("%s SqsManagedSseEnabled: got %v, want true", id, got)
				}
				if !sslOnly[id] {
					t.Errorf("%s: no queue policy denies requests without TLS", id)
				}
			}
		})
	}
}

func TestBucketIsPrivateEncryptedAndExpiring(t *testing.T) {
	// GIVEN the bucket of shared/app/resources
	// WHEN the app is synthesised
	s := synth(t)
	bucketID := s.logicalID(t, "Files")
	props := get(s.resource(t, bucketID, "AWS::S3::Bucket"), "Properties")

	// THEN it blocks all public access
	for _, setting := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
		if got := get(props, "PublicAccessBlockConfiguration", setting); got != true {
			t.Errorf("%s: got %v, want true", setting, got)
		}
	}
	// AND it is encrypted
	if got := get(props, "BucketEncryption", "ServerSideEncryptionConfiguration", 0, "ServerSideEncryptionByDefault", "SSEAlgorithm"); got != "AES256" {
		t.Errorf("SSEAlgorithm: got %v, want AES256", got)
	}
	// AND the objects of every passing prefix expire after the spec's days,
	// and no rule expires the logos or banners
	expiring := map[string]bool{}
	for _, rule := range list(get(props, "LifecycleConfiguration", "Rules")) {
		prefix, _ := get(rule, "Prefix").(string)
		if get(rule, "Status") == "Enabled" && get(rule, "ExpirationInDays") == float64(resources.Bucket.ExpireDays) {
			expiring[prefix] = true
		}
		for _, kept := range []string{resources.LogosPrefix, resources.BannersPrefix} {
			if get(rule, "ExpirationInDays") != nil && (prefix == "" || strings.HasPrefix(kept, prefix)) {
				t.Errorf("a lifecycle rule expires the images under %s: %v", kept, rule)
			}
		}
	}
	for _, prefix := range resources.ExpiringPrefixes {
		if !expiring[prefix] {
			t.Errorf("no enabled lifecycle rule expires %s after %d days: %v", prefix, resources.Bucket.ExpireDays, get(props, "LifecycleConfiguration"))
		}
	}
	// AND so member exports expire with their items, no later than 7 days on
	if resources.Bucket.ExpireDays > 7 {
		t.Errorf("objects (member exports under %s among them) live %d days; exports are promised to expire after 7",
			resources.ExportsPrefix, resources.Bucket.ExpireDays)
	}
	// AND access is logged
	if get(props, "LoggingConfiguration", "DestinationBucketName") == nil {
		t.Error("no server access logging")
	}
	// AND its policy denies requests without TLS
	denied := false
	for _, p := range s.resources("AWS::S3::BucketPolicy") {
		if !slices.Equal(refs(get(p, "Properties", "Bucket")), []string{bucketID}) {
			continue
		}
		for _, st := range list(get(p, "Properties", "PolicyDocument", "Statement")) {
			if get(st, "Effect") == "Deny" && get(st, "Condition", "Bool", "aws:SecureTransport") == "false" {
				denied = true
			}
		}
	}
	if !denied {
		t.Error("no bucket policy statement denies requests without TLS")
	}
}

func TestEveryRouteOfTheCatalogueAndNoOther(t *testing.T) {
	// GIVEN the route catalogue
	// WHEN the app is synthesised
	s := synth(t)
	byKey := map[string]any{}
	for _, r := range s.resources("AWS::ApiGatewayV2::Route") {
		props := get(r, "Properties")
		byKey[fmt.Sprint(get(props, "RouteKey"))] = props
	}

	// THEN the API has exactly the catalogue's routes
	if got, want := len(s.resources("AWS::ApiGatewayV2::Route")), len(httpapi.Routes); got != want {
		t.Errorf("routes: got %d, want %d", got, want)
	}
	for _, r := range httpapi.Routes {
		t.Run(r.Key(), func(t *testing.T) {
			props, ok := byKey[r.Key()]
			if !ok {
				t.Fatalf("no route %q", r.Key())
			}
			// AND each is behind the JWT authorizer unless public
			want := "JWT"
			if r.Public {
				want = "NONE"
			}
			if got := get(props, "AuthorizationType"); got != want {
				t.Errorf("AuthorizationType: got %v, want %s", got, want)
			}
			if !r.Public {
				authorizers := refs(get(props, "AuthorizerId"))
				if len(authorizers) != 1 {
					t.Fatalf("AuthorizerId: got %v, want one authorizer", authorizers)
				}
				// (the issuer and audience: TestSignInIsTheUserPoolsIDTokens)
				if got := get(s.resource(t, authorizers[0], "AWS::ApiGatewayV2::Authorizer"), "Properties", "AuthorizerType"); got != "JWT" {
					t.Errorf("authorizer type: got %v, want JWT", got)
				}
			}
			// AND it reaches the route's function
			integrations := refs(get(props, "Target"))
			if len(integrations) != 1 {
				t.Fatalf("Target: got %v, want one integration", integrations)
			}
			uri := get(s.resource(t, integrations[0], "AWS::ApiGatewayV2::Integration"), "Properties", "IntegrationUri")
			if got, want := refs(uri), []string{s.logicalID(t, functionID(r.Function))}; !slices.Equal(got, want) {
				t.Errorf("integration: got %v, want %v", got, want)
			}
		})
	}

	// AND the default stage logs access and throttles
	stages := s.resources("AWS::ApiGatewayV2::Stage")
	if len(stages) != 1 {
		t.Fatalf("stages: got %d, want 1", len(stages))
	}
	for _, stage := range stages {
		props := get(stage, "Properties")
		if got := get(props, "StageName"); got != "$default" {
			t.Errorf("StageName: got %v, want $default", got)
		}
		logGroups := s.resources("AWS::Logs::LogGroup")
		if got := refs(get(props, "AccessLogSettings", "DestinationArn")); len(got) != 1 || logGroups[got[0]] == nil {
			t.Errorf("access log destination: got %v, want a log group of the stack", got)
		}
		for _, limit := range []string{"ThrottlingRateLimit", "ThrottlingBurstLimit"} {
			if get(props, "DefaultRouteSettings", limit) == nil {
				t.Errorf("%s not set", limit)
			}
		}
	}
}

// wantFunction is what a function must be: its timeout, exactly its
// environment variables, the services its role may have actions of, and
// exactly its permissions on the files bucket, the queues and SES.
type wantFunction struct {
	timeoutSecs float64
	env         []string
	services    []string
	// grants are its statements' actions of the services in exactServices,
	// each as "action resource [condition]" (see permission).
	grants []string
}

// exactServices are the services whose permissions wantFunction lists in
// full; the table's, logs' and X-Ray's are checked by service and resource.
var exactServices = []string{"s3", "sqs", "ses", "secretsmanager"}

// Permissions on the mail queue, as permission renders them.
const (
	sendMail    = "sqs:SendMessage ${MailQueue.Arn}"
	sendWork    = "sqs:SendMessage ${WorkQueue.Arn}"
	sendPlan    = "sqs:SendMessage ${PlanQueue.Arn}"
	sendReports = "sqs:SendMessage ${ReportQueue.Arn}"
	// sendFailures is the on-failure destination's, of the functions
	// invoked asynchronously.
	sendFailures = "sqs:SendMessage ${AsyncFailures.Arn}"
	sesIdentity  = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"
	sesConfigSet = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/${MailConfigurationSet}"
	// fromMailFrom is the condition on the sender, the mailFrom of
	// stages/dev.json.
	fromMailFrom = "StringEquals ses:FromAddress=no-reply@dev.learn.example.com"
	// readSecretValue is the permission of a function that signs
	// unsubscribe links.
	readSecretValue = "secretsmanager:GetSecretValue ${UnsubscribeSecret}"
)

// wantFunctions is every function of the stack. A new function needs an
// entry: deciding what it may touch is the point.
var wantFunctions = map[string]wantFunction{
	httpapi.FunctionAdmin: {
		timeoutSecs: 10,
		env:         []string{"TABLE_NAME", "LEARNER_APP_URL", "WORK_QUEUE_URL", "FILES_BUCKET", "LOG_LEVEL", "AUDIT_RETENTION_DAYS"},
		services:    []string{"dynamodb", "logs", "xray", "sqs", "s3"},
		// Logos and banners: presigned uploads, the check of an upload's
		// bytes, links.
		grants: []string{
			sendWork,
			"s3:PutObject ${Files.Arn}/logos/*",
			"s3:AbortMultipartUpload ${Files.Arn}/logos/*",
			"s3:GetObject ${Files.Arn}/logos/*",
			"s3:PutObject ${Files.Arn}/banners/*",
			"s3:AbortMultipartUpload ${Files.Arn}/banners/*",
			"s3:GetObject ${Files.Arn}/banners/*",
		},
	},
	httpapi.FunctionInvitations: {
		timeoutSecs: 10,
		env:         []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL", "FILES_BUCKET", "LOG_LEVEL", "AUDIT_RETENTION_DAYS"},
		services:    []string{"dynamodb", "logs", "xray", "sqs", "s3"},
		grants: []string{
			sendMail,
			"s3:PutObject ${Files.Arn}/imports/*",
			"s3:AbortMultipartUpload ${Files.Arn}/imports/*",
			"s3:GetObject ${Files.Arn}/import-results/*",
		},
	},
	httpapi.FunctionJoin: {
		timeoutSecs: 10,
		env:         []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL", "FILES_BUCKET", "LOG_LEVEL", "AUDIT_RETENTION_DAYS"},
		services:    []string{"dynamodb", "logs", "xray", "sqs", "s3"},
		// Banners: the links on programs' pages.
		grants: []string{sendMail, "s3:GetObject ${Files.Arn}/banners/*"},
	},
	httpapi.FunctionWhitelist: {
		timeoutSecs: 10,
		env:         []string{"TABLE_NAME", "LOG_LEVEL", "AUDIT_RETENTION_DAYS"},
		services:    []string{"dynamodb", "logs", "xray"},
	},
	httpapi.FunctionEnrollment: {
		timeoutSecs: 10,
		env:         []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL", "LOG_LEVEL", "AUDIT_RETENTION_DAYS"},
		services:    []string{"dynamodb", "logs", "xray", "sqs"},
		grants:      []string{sendMail},
	},
	httpapi.FunctionMembers: {
		timeoutSecs: 10,
		env:         []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL", "WORK_QUEUE_URL", "FILES_BUCKET", "LOG_LEVEL", "AUDIT_RETENTION_DAYS"},
		services:    []string{"dynamodb", "logs", "xray", "sqs", "s3"},
		grants: []string{sendMail, sendWork, "s3:GetObject ${Files.Arn}/exports/*",
			// The download links of personal-data exports.
			"s3:GetObject ${Files.Arn}/reports/personal-data/*"},
	},
	httpapi.FunctionReminders: {
		timeoutSecs: 900,
		env:         []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL", "PUBLIC_BASE_URL", "UNSUBSCRIBE_SECRET_ID", "REMINDER_HOUR_UTC", "LOG_LEVEL", "AUDIT_RETENTION_DAYS"},
		services:    []string{"dynamodb", "logs", "xray", "sqs", "secretsmanager"},
		grants:      []string{sendMail, readSecretValue, sendFailures},
	},
	httpapi.FunctionMessaging: {
		timeoutSecs: 60,
		env:         []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL", "PLAN_QUEUE_URL", "PUBLIC_BASE_URL", "UNSUBSCRIBE_SECRET_ID", "LOG_LEVEL", "AUDIT_RETENTION_DAYS"},
		services:    []string{"dynamodb", "logs", "xray", "sqs", "secretsmanager"},
		grants: []string{
			sendMail, sendPlan,
			// The event source mapping's, to consume the plan queue.
			"sqs:ReceiveMessage ${PlanQueue.Arn}",
			"sqs:ChangeMessageVisibility ${PlanQueue.Arn}",
			"sqs:DeleteMessage ${PlanQueue.Arn}",
			"sqs:GetQueueAttributes ${PlanQueue.Arn}",
			"sqs:GetQueueUrl ${PlanQueue.Arn}",
			// The key of unsubscribe links, read at cold start.
			"secretsmanager:GetSecretValue ${UnsubscribeSecret}",
		},
	},
	httpapi.FunctionReports: {
		timeoutSecs: 900,
		env:         []string{"TABLE_NAME", "MAIL_QUEUE_URL", "REPORT_QUEUE_URL", "FILES_BUCKET", "LOG_LEVEL", "AUDIT_RETENTION_DAYS"},
		services:    []string{"dynamodb", "logs", "xray", "sqs", "s3"},
		grants: []string{
			sendMail, sendReports, sendFailures,
			"s3:PutObject ${Files.Arn}/reports/*",
			"s3:AbortMultipartUpload ${Files.Arn}/reports/*",
			"s3:GetObject ${Files.Arn}/reports/*",
			// The event source mapping's, to consume the report queue.
			"sqs:ReceiveMessage ${ReportQueue.Arn}",
			"sqs:ChangeMessageVisibility ${ReportQueue.Arn}",
			"sqs:DeleteMessage ${ReportQueue.Arn}",
			"sqs:GetQueueAttributes ${ReportQueue.Arn}",
			"sqs:GetQueueUrl ${ReportQueue.Arn}",
		},
	},
	httpapi.FunctionInvitationImport: {
		timeoutSecs: 900,
		env:         []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL", "FILES_BUCKET", "LOG_LEVEL", "AUDIT_RETENTION_DAYS"},
		services:    []string{"dynamodb", "logs", "xray", "sqs", "s3"},
		grants: []string{
			sendMail, sendFailures,
			"s3:GetObject ${Files.Arn}/imports/*",
			"s3:PutObject ${Files.Arn}/import-results/*",
			"s3:AbortMultipartUpload ${Files.Arn}/import-results/*",
		},
	},
	httpapi.FunctionActivity: {
		timeoutSecs: 10,
		env:         []string{"TABLE_NAME", "LOG_LEVEL", "AUDIT_RETENTION_DAYS"},
		services:    []string{"dynamodb", "logs", "xray", "sqs"},
		grants:      []string{sendFailures},
	},
	httpapi.FunctionWorker: {
		timeoutSecs: 120,
		env:         []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL", "WORK_QUEUE_URL", "FILES_BUCKET", "LOG_LEVEL", "AUDIT_RETENTION_DAYS"},
		services:    []string{"dynamodb", "logs", "xray", "sqs", "s3"},
		grants: []string{
			sendMail, sendWork,
			// Member exports' files.
			"s3:PutObject ${Files.Arn}/exports/*",
			"s3:AbortMultipartUpload ${Files.Arn}/exports/*",
			// An erasure rewrites or deletes the files naming a person,
			// and personal-data exports are written under reports/.
			"s3:GetObject ${Files.Arn}/exports/*", "s3:DeleteObject ${Files.Arn}/exports/*",
			"s3:GetObject ${Files.Arn}/reports/*", "s3:PutObject ${Files.Arn}/reports/*",
			"s3:AbortMultipartUpload ${Files.Arn}/reports/*", "s3:DeleteObject ${Files.Arn}/reports/*",
			"s3:GetObject ${Files.Arn}/imports/*", "s3:PutObject ${Files.Arn}/imports/*",
			"s3:AbortMultipartUpload ${Files.Arn}/imports/*", "s3:DeleteObject ${Files.Arn}/imports/*",
			"s3:GetObject ${Files.Arn}/import-results/*", "s3:PutObject ${Files.Arn}/import-results/*",
			"s3:AbortMultipartUpload ${Files.Arn}/import-results/*", "s3:DeleteObject ${Files.Arn}/import-results/*",
			// The event source mapping's, to consume the work queue.
			"sqs:ReceiveMessage ${WorkQueue.Arn}",
			"sqs:ChangeMessageVisibility ${WorkQueue.Arn}",
			"sqs:DeleteMessage ${WorkQueue.Arn}",
			"sqs:GetQueueAttributes ${WorkQueue.Arn}",
			"sqs:GetQueueUrl ${WorkQueue.Arn}",
		},
	},
	httpapi.FunctionMailer: {
		timeoutSecs: 30,
		env:         []string{"TABLE_NAME", "MAIL_FROM", "MAIL_CONCURRENCY", "MAIL_CONFIGURATION_SET", "PUBLIC_BASE_URL", "LOG_LEVEL", "AUDIT_RETENTION_DAYS"},
		services:    []string{"dynamodb", "logs", "xray", "sqs", "ses"},
		grants: []string{
			// The event source mapping's, to consume the mail queue.
			"sqs:ReceiveMessage ${MailQueue.Arn}",
			"sqs:ChangeMessageVisibility ${MailQueue.Arn}",
			"sqs:DeleteMessage ${MailQueue.Arn}",
			"sqs:GetQueueAttributes ${MailQueue.Arn}",
			"sqs:GetQueueUrl ${MailQueue.Arn}",
			// Raw MIME only (SendEmail cannot carry List-Unsubscribe), under
			// the configuration set.
			"ses:SendRawEmail " + sesIdentity + " " + fromMailFrom,
			"ses:SendRawEmail " + sesConfigSet + " " + fromMailFrom,
			"ses:GetSendQuota *",
		},
	},
	httpapi.FunctionFeedback: {
		timeoutSecs: 30,
		env:         []string{"TABLE_NAME", "LOG_LEVEL", "AUDIT_RETENTION_DAYS"},
		services:    []string{"dynamodb", "logs", "xray", "sqs"},
		grants: []string{
			// The event source mapping's, to consume the feedback queue.
			"sqs:ReceiveMessage ${FeedbackQueue.Arn}",
			"sqs:ChangeMessageVisibility ${FeedbackQueue.Arn}",
			"sqs:DeleteMessage ${FeedbackQueue.Arn}",
			"sqs:GetQueueAttributes ${FeedbackQueue.Arn}",
			"sqs:GetQueueUrl ${FeedbackQueue.Arn}",
		},
	},
}

// specOf returns the spec of the function named name.
func specOf(t *testing.T, name string) functionSpec {
	t.Helper()
	for _, spec := range functionSpecs {
		if spec.name == name {
			return spec
		}
	}
	t.Fatalf("no function %q in functionSpecs", name)
	return functionSpec{}
}

// names maps the logical IDs of the stack's table, files bucket and mail
// queue to the names permission writes for them.
func (s *synthesis) names(t *testing.T) map[string]string {
	t.Helper()
	return map[string]string{
		s.logicalID(t, "Table"):                                   "Table",
		s.logicalID(t, "Files"):                                   "Files",
		s.logicalID(t, constructID(resources.MailQueue.Name)):     "MailQueue",
		s.logicalID(t, constructID(resources.WorkQueue.Name)):     "WorkQueue",
		s.logicalID(t, constructID(resources.PlanQueue.Name)):     "PlanQueue",
		s.logicalID(t, "UnsubscribeSecret"):                       "UnsubscribeSecret",
		s.logicalID(t, constructID(resources.FeedbackQueue.Name)): "FeedbackQueue",
		s.logicalID(t, "MailConfigurationSet"):                    "MailConfigurationSet",

		// The reports function's queue.
		s.logicalID(t, constructID(resources.ReportQueue.Name)): "ReportQueue",

		// The on-failure destination of asynchronous invocations.
		s.opsID(t, "AsyncFailures"): "AsyncFailures",
	}
}

// render writes a template value as text: Ref X as ${X}, Fn::GetAtt X.Arn
// as ${X.Arn}, Fn::Join joined, with the logical IDs of names replaced.
func render(v any, names map[string]string) string {
	name := func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		return id
	}
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if id, ok := x["Ref"].(string); ok {
			return "${" + name(id) + "}"
		}
		if id, ok := get(x, "Fn::GetAtt", 0).(string); ok {
			return fmt.Sprintf("${%s.%v}", name(id), get(x, "Fn::GetAtt", 1))
		}
		if sep, ok := get(x, "Fn::Join", 0).(string); ok {
			var parts []string
			for _, p := range list(get(x, "Fn::Join", 1)) {
				parts = append(parts, render(p, names))
			}
			return strings.Join(parts, sep)
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// permissions are the Allow statements of st, one per action and resource,
// as "action resource [operator key=value ...]".
func permissions(st any, names map[string]string) []string {
	var conditions []string
	if c, ok := get(st, "Condition").(map[string]any); ok {
		for op, kv := range c {
			for k, v := range kv.(map[string]any) {
				conditions = append(conditions, fmt.Sprintf("%s %s=%s", op, k, render(v, names)))
			}
		}
	}
	sort.Strings(conditions)
	var out []string
	for _, a := range list(get(st, "Action")) {
		for _, r := range list(get(st, "Resource")) {
			out = append(out, strings.Join(append([]string{fmt.Sprint(a), render(r, names)}, conditions...), " "))
		}
	}
	return out
}

// function is the synthesised function called name: its properties and the
// Allow statements of its role.
type function struct {
	id         string
	props      any
	statements []any
}

// function finds the function called name and its role's statements.
func (s *synthesis) function(t *testing.T, name string) function {
	t.Helper()
	fnID := s.logicalID(t, functionID(name))
	props := get(s.resource(t, fnID, "AWS::Lambda::Function"), "Properties")
	roles := refs(get(props, "Role"))
	if len(roles) != 1 {
		t.Fatalf("Role: got %v, want one role of the stack", roles)
	}
	role := get(s.resource(t, roles[0], "AWS::IAM::Role"), "Properties")
	for _, arn := range list(get(role, "ManagedPolicyArns")) {
		t.Errorf("managed policy %v: the role's statements should be its own", arn)
	}
	var statements []any
	for _, p := range list(get(role, "Policies")) {
		statements = append(statements, list(get(p, "PolicyDocument", "Statement"))...)
	}
	for _, p := range s.resources("AWS::IAM::Policy") {
		if slices.Contains(refs(get(p, "Properties", "Roles")), roles[0]) {
			statements = append(statements, list(get(p, "Properties", "PolicyDocument", "Statement"))...)
		}
	}
	return function{id: fnID, props: props, statements: statements}
}

func TestFunctionsAreEveryFunction(t *testing.T) {
	// GIVEN the functions of the stack
	fns := Functions()

	// THEN they are the route catalogue's and the event functions, each once
	want := append(httpapi.Functions(), httpapi.FunctionInvitationImport, httpapi.FunctionActivity, httpapi.FunctionWorker, httpapi.FunctionMailer,
		httpapi.FunctionFeedback)
	if got := slices.Sorted(slices.Values(fns)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Errorf("Functions(): got %v, want %v", fns, want)
	}
	// AND every function has its expectations here
	for _, name := range fns {
		if _, ok := wantFunctions[name]; !ok {
			t.Errorf("wantFunctions has no entry for %q", name)
		}
	}
	// AND `make build`, which builds every folder under functions/, builds
	// exactly them
	dirs, err := os.ReadDir("../functions")
	if err != nil {
		t.Fatal(err)
	}
	var folders []string
	for _, d := range dirs {
		if d.IsDir() {
			folders = append(folders, d.Name())
		}
	}
	for _, name := range folders {
		if !slices.Contains(fns, name) {
			t.Errorf("functions/%s is built but not in Functions(): add it to functionSpecs", name)
		}
	}
	for _, name := range fns {
		if !slices.Contains(folders, name) {
			t.Errorf("function %s has no folder functions/%s for `make build` to build", name, name)
		}
	}
}

func TestFunctionsAreBuiltAndLeastPrivileged(t *testing.T) {
	// GIVEN every function of the stack
	// WHEN the app is synthesised
	s := synth(t)
	names := s.names(t)
	tableID := s.logicalID(t, "Table")
	envRefs := map[string][]string{
		"TABLE_NAME":             {tableID},
		"MAIL_QUEUE_URL":         {s.logicalID(t, constructID(resources.MailQueue.Name))},
		"WORK_QUEUE_URL":         {s.logicalID(t, constructID(resources.WorkQueue.Name))},
		"FILES_BUCKET":           {s.logicalID(t, "Files")},
		"PLAN_QUEUE_URL":         {s.logicalID(t, constructID(resources.PlanQueue.Name))},
		"UNSUBSCRIBE_SECRET_ID":  {s.logicalID(t, "UnsubscribeSecret")},
		"MAIL_CONFIGURATION_SET": {s.logicalID(t, "MailConfigurationSet")},

		// The reports function's queue.
		"REPORT_QUEUE_URL": {s.logicalID(t, constructID(resources.ReportQueue.Name))},
	}
	if got, want := len(s.resources("AWS::Lambda::Function")), len(Functions())+2; got != want {
		t.Errorf("functions: got %d, want %d (one each, CDK's bucket notifications and bucket deployment handlers)", got, want)
	}

	for _, name := range Functions() {
		t.Run(name, func(t *testing.T) {
			want, ok := wantFunctions[name]
			if !ok {
				t.Fatalf("wantFunctions has no entry for %q", name)
			}
			fn := s.function(t, name)

			// THEN it runs the Go binary on arm64 with its timeout
			for field, want := range map[string]any{
				"Runtime":    "provided.al2023",
				"Handler":    "bootstrap",
				"MemorySize": float64(256),
				"Timeout":    want.timeoutSecs,
			} {
				if got := get(fn.props, field); got != want {
					t.Errorf("%s: got %v, want %v", field, got, want)
				}
			}
			if got := list(get(fn.props, "Architectures")); !reflect.DeepEqual(got, []any{"arm64"}) {
				t.Errorf("Architectures: got %v, want [arm64]", got)
			}
			if got := get(fn.props, "TracingConfig", "Mode"); got != "Active" {
				t.Errorf("tracing: got %v, want Active", got)
			}
			// AND its own log group, kept a month
			logsID := s.logicalID(t, functionID(name)+"Logs")
			if got := refs(get(fn.props, "LoggingConfig", "LogGroup")); !slices.Equal(got, []string{logsID}) {
				t.Errorf("log group: got %v, want %s", got, logsID)
			}
			if got := get(s.resource(t, logsID, "AWS::Logs::LogGroup"), "Properties", "RetentionInDays"); got != float64(30) {
				t.Errorf("log retention: got %v, want 30 days", got)
			}

			// AND exactly its environment variables, with their values
			env, _ := get(fn.props, "Environment", "Variables").(map[string]any)
			if got := slices.Sorted(maps.Keys(env)); !slices.Equal(got, slices.Sorted(slices.Values(want.env))) {
				t.Errorf("environment: got %v, want %v", got, want.env)
			}
			for v, wantRefs := range envRefs {
				if _, set := env[v]; set {
					if got := refs(env[v]); !slices.Equal(got, wantRefs) {
						t.Errorf("%s: got a Ref to %v, want %v", v, got, wantRefs)
					}
				}
			}
			// AND the stage's settings as they are: the links in emails from
			// the learner app's URL and the API's one public base URL
			for v, want := range map[string]string{
				"LEARNER_APP_URL": s.cfg.LearnerAppURL,
				"MAIL_FROM":       s.cfg.MailFrom,
				"PUBLIC_BASE_URL": "https://" + s.cfg.APIDomainName,
			} {
				if got, set := env[v]; set && got != want {
					t.Errorf("%s: got %v, want %s", v, got, want)
				}
			}
			if got := get(env, "LOG_LEVEL"); got != "info" {
				t.Errorf("LOG_LEVEL: got %v, want info", got)
			}
			// AND its environment is its settings struct's: every variable
			// it requires, and none it does not read
			settings := specOf(t, name).settings
			declared := appenv.Names(settings)
			for _, v := range appenv.Required(settings) {
				if _, set := env[v]; !set {
					t.Errorf("%T requires %s, which is not set", settings, v)
				}
			}
			for v := range env {
				if !slices.Contains(declared, v) {
					t.Errorf("%s is set, but %T does not declare it", v, settings)
				}
			}

			// AND its statements name no wildcard action, only its services,
			// only its own table and log group, and exactly its permissions
			// on the bucket, the queues and SES
			wantResources := map[string][]string{
				"dynamodb": {tableID},
				"logs":     {logsID},
			}
			var grants []string
			for _, st := range fn.statements {
				if get(st, "Effect") != "Allow" {
					continue
				}
				for _, a := range list(get(st, "Action")) {
					action := fmt.Sprint(a)
					service, _, _ := strings.Cut(action, ":")
					if strings.Contains(action, "*") {
						t.Errorf("wildcard action %s", action)
					}
					if !slices.Contains(want.services, service) {
						t.Errorf("action %s: %s is not among %v", action, service, want.services)
					}
					if wantRefs, ok := wantResources[service]; ok {
						if got := refs(get(st, "Resource")); !slices.Equal(got, wantRefs) {
							t.Errorf("action %s on %v, want only %v", action, got, wantRefs)
						}
					}
				}
				for _, p := range permissions(st, names) {
					if service, _, _ := strings.Cut(p, ":"); slices.Contains(exactServices, service) {
						grants = append(grants, p)
					}
				}
			}
			if got, want := slices.Sorted(slices.Values(grants)), slices.Sorted(slices.Values(want.grants)); !slices.Equal(got, want) {
				t.Errorf("permissions on %v:\n got  %q\n want %q", exactServices, got, want)
			}
		})
	}
}

// queueSource checks that fn has one event source mapping, from the queue
// queueID, in batches of batch records, reporting the records that failed,
// and returns its properties.
func (s *synthesis) queueSource(t *testing.T, fn function, queueID string, batch int) any {
	t.Helper()
	var mappings []any
	for _, m := range s.resources("AWS::Lambda::EventSourceMapping") {
		if slices.Equal(refs(get(m, "Properties", "FunctionName")), []string{fn.id}) {
			mappings = append(mappings, get(m, "Properties"))
		}
	}
	if len(mappings) != 1 {
		t.Fatalf("event source mappings of %s: got %d, want 1", fn.id, len(mappings))
	}
	m := mappings[0]
	if got := refs(get(m, "EventSourceArn")); !slices.Equal(got, []string{queueID}) {
		t.Errorf("EventSourceArn: got %v, want the queue %s", got, queueID)
	}
	if got := get(m, "BatchSize"); got != float64(batch) {
		t.Errorf("BatchSize: got %v, want %d", got, batch)
	}
	if got := list(get(m, "FunctionResponseTypes")); !slices.Equal(got, []any{"ReportBatchItemFailures"}) {
		t.Errorf("FunctionResponseTypes: got %v, want [ReportBatchItemFailures]", got)
	}
	return m
}

func TestMailerReadsTheMailQueueWithinItsConcurrency(t *testing.T) {
	// GIVEN the mailer and the mail queue
	// WHEN the app is synthesised
	s := synth(t)
	mailer := s.function(t, httpapi.FunctionMailer)
	queueID := s.logicalID(t, constructID(resources.MailQueue.Name))

	// THEN one event source mapping feeds it the mail queue in batches of
	// 10, reporting the messages that failed
	m := s.queueSource(t, mailer, queueID, 10)
	// AND with at most 2 instances, the number the mailer divides the send rate by
	concurrency := get(m, "ScalingConfig", "MaximumConcurrency")
	if concurrency != float64(2) {
		t.Errorf("MaximumConcurrency: got %v, want 2", concurrency)
	}
	if got := get(mailer.props, "Environment", "Variables", "MAIL_CONCURRENCY"); got != fmt.Sprint(concurrency) {
		t.Errorf("MAIL_CONCURRENCY: got %v, want the mapping's MaximumConcurrency %v", got, concurrency)
	}
	// AND the queue hides a received batch for at least six mailer timeouts
	s.checkVisibility(t, queueID, mailer)
	// AND it sends from the stage's mailFrom
	if got := get(mailer.props, "Environment", "Variables", "MAIL_FROM"); got != s.cfg.MailFrom {
		t.Errorf("MAIL_FROM: got %v, want %s", got, s.cfg.MailFrom)
	}
}

func TestMessagingPlansFromItsQueue(t *testing.T) {
	// GIVEN the messaging function and its plan queue
	// WHEN the app is synthesised
	s := synth(t)
	fn := s.function(t, httpapi.FunctionMessaging)
	queueID := s.logicalID(t, constructID(resources.PlanQueue.Name))

	// THEN one event source mapping feeds it the plan queue, an item at a
	// time, reporting the items that failed
	s.queueSource(t, fn, queueID, 1)
	// AND the queue hides an item for at least six function timeouts
	visibility := get(s.resource(t, queueID, "AWS::SQS::Queue"), "Properties", "VisibilityTimeout").(float64)
	if timeout := get(fn.props, "Timeout").(float64); visibility < 6*timeout {
		t.Errorf("VisibilityTimeout %v s is less than six times the function's timeout %v s", visibility, timeout)
	}
	// AND its routes, public ones included, reach it (TestEveryRouteOfTheCatalogueAndNoOther)
	public := 0
	for _, r := range httpapi.Routes {
		if r.Function == httpapi.FunctionMessaging && r.Public {
			public++
		}
	}
	if public != 2 {
		t.Errorf("public routes of messaging: got %d, want the two of the unsubscribe link", public)
	}
}

func TestUnsubscribeSecretIsGeneratedAndReadBySignersOnly(t *testing.T) {
	// GIVEN the stack
	// WHEN the app is synthesised
	s := synth(t)

	// THEN it has one secret, generated at deployment: 64 letters and digits, retained
	secrets := s.resources("AWS::SecretsManager::Secret")
	if len(secrets) != 1 {
		t.Fatalf("secrets: got %d, want 1", len(secrets))
	}
	id := s.logicalID(t, "UnsubscribeSecret")
	secret := s.resource(t, id, "AWS::SecretsManager::Secret")
	gen := get(secret, "Properties", "GenerateSecretString")
	if get(gen, "PasswordLength") != float64(64) || get(gen, "ExcludePunctuation") != true {
		t.Errorf("GenerateSecretString: got %v, want 64 characters without punctuation", gen)
	}
	if get(secret, "Properties", "SecretString") != nil {
		t.Error("the secret's value is in the template")
	}
	if got := get(secret, "DeletionPolicy"); got != "Retain" {
		t.Errorf("DeletionPolicy: got %v, want Retain (links in inboxes need the key)", got)
	}
	// AND exactly the functions that sign links (those given
	// UNSUBSCRIBE_SECRET_ID: messaging among them) may read it
	for _, name := range Functions() {
		fn := s.function(t, name)
		reads := false
		for _, st := range fn.statements {
			if slices.Contains(refs(get(st, "Resource")), id) {
				reads = true
			}
		}
		signs := get(fn.props, "Environment", "Variables", "UNSUBSCRIBE_SECRET_ID") != nil
		if reads != signs || (name == httpapi.FunctionMessaging && !signs) {
			t.Errorf("%s reads the unsubscribe secret: %v; signs links: %v", name, reads, signs)
		}
	}
}

func TestCSVUploadsStartAnImport(t *testing.T) {
	// GIVEN the files bucket and the import function
	// WHEN the app is synthesised
	s := synth(t)
	bucketID := s.logicalID(t, "Files")
	importer := s.function(t, httpapi.FunctionInvitationImport)

	// THEN the bucket's one notification invokes the import for new .csv objects under imports/
	var configs []any
	for _, n := range s.resources("Custom::S3BucketNotifications") {
		props := get(n, "Properties")
		if !slices.Equal(refs(get(props, "BucketName")), []string{bucketID}) {
			continue
		}
		configs = append(configs, list(get(props, "NotificationConfiguration", "LambdaFunctionConfigurations"))...)
		for _, kind := range []string{"QueueConfigurations", "TopicConfigurations"} {
			if c := get(props, "NotificationConfiguration", kind); c != nil {
				t.Errorf("%s: got %v, want none", kind, c)
			}
		}
	}
	if len(configs) != 1 {
		t.Fatalf("Lambda notifications of the files bucket: got %d, want 1", len(configs))
	}
	c := configs[0]
	if got := refs(get(c, "LambdaFunctionArn")); !slices.Equal(got, []string{importer.id}) {
		t.Errorf("LambdaFunctionArn: got %v, want %s", got, importer.id)
	}
	if got := list(get(c, "Events")); !slices.Equal(got, []any{"s3:ObjectCreated:*"}) {
		t.Errorf("Events: got %v, want [s3:ObjectCreated:*]", got)
	}
	filter := map[string]any{}
	for _, r := range list(get(c, "Filter", "Key", "FilterRules")) {
		filter[fmt.Sprint(get(r, "Name"))] = get(r, "Value")
	}
	if want := map[string]any{"prefix": "imports/", "suffix": ".csv"}; !reflect.DeepEqual(filter, want) {
		t.Errorf("filter: got %v, want %v", filter, want)
	}

	// AND only S3, for this bucket in this account, may invoke the import
	var permissions []any
	for _, p := range s.resources("AWS::Lambda::Permission") {
		if slices.Equal(refs(get(p, "Properties", "FunctionName")), []string{importer.id}) {
			permissions = append(permissions, get(p, "Properties"))
		}
	}
	if len(permissions) != 1 {
		t.Fatalf("invoke permissions of the import: got %d, want 1", len(permissions))
	}
	p := permissions[0]
	if get(p, "Principal") != "s3.amazonaws.com" || !slices.Equal(refs(get(p, "SourceArn")), []string{bucketID}) ||
		!slices.Equal(refs(get(p, "SourceAccount")), []string{"AWS::AccountId"}) {
		t.Errorf("invoke permission: got %v, want s3.amazonaws.com from the files bucket of this account", p)
	}

	// AND a failed import is retried twice
	var retries []any
	for _, c := range s.resources("AWS::Lambda::EventInvokeConfig") {
		if slices.Equal(refs(get(c, "Properties", "FunctionName")), []string{importer.id}) {
			retries = append(retries, get(c, "Properties", "MaximumRetryAttempts"))
		}
	}
	if !slices.Equal(retries, []any{float64(2)}) {
		t.Errorf("MaximumRetryAttempts: got %v, want [2]", retries)
	}
}

func TestNoUnsuppressedNagFindings(t *testing.T) {
	// GIVEN the app with cdk-nag's AWS Solutions checks
	// WHEN it is synthesised
	s := synth(t)
	solutions := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))

	// THEN the checks ran: the canary's queue without a dead-letter queue is an error
	canary := assertions.Annotations_FromStack(s.canary).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-SQS3")))
	if len(*canary) == 0 {
		t.Fatal("cdk-nag reported nothing on the canary stack: the checks did not run")
	}

	// AND the back office stacks of both stages (a user pool and an OIDC
	// issuer, with and without a custom domain) have no error left
	for _, stack := range []awscdk.Stack{s.stack, s.other} {
		annotations := assertions.Annotations_FromStack(stack)
		errs := annotations.FindError(jsii.String("*"), solutions)
		for _, e := range *errs {
			t.Errorf("%s: %v", *e.Id, e.Entry.Data)
		}
		warnings := annotations.FindWarning(jsii.String("*"), solutions)
		for _, w := range *warnings {
			t.Logf("warning %s: %v", *w.Id, w.Entry.Data)
		}
		t.Logf("%s: cdk-nag AwsSolutions: %d errors, %d warnings", *stack.StackName(), len(*errs), len(*warnings))
	}
}

func TestRemindersRunOnSaturdaysAndResume(t *testing.T) {
	// GIVEN the reminders function
	// WHEN the app is synthesised (with the default hour)
	s := synth(t)
	fn := s.function(t, httpapi.FunctionReminders)

	// THEN one rule invokes it every Saturday at 09:00 UTC
	var rules []any
	for _, r := range s.resources("AWS::Events::Rule") {
		for _, target := range list(get(r, "Properties", "Targets")) {
			if slices.Equal(refs(get(target, "Arn")), []string{fn.id}) {
				rules = append(rules, get(r, "Properties"))
			}
		}
	}
	if len(rules) != 1 {
		t.Fatalf("rules invoking the reminders: got %d, want 1", len(rules))
	}
	rule := rules[0]
	if got := get(rule, "ScheduleExpression"); got != "cron(0 9 ? * SAT *)" {
		t.Errorf("ScheduleExpression: got %v, want cron(0 9 ? * SAT *)", got)
	}
	if got := get(rule, "State"); got != nil && got != "ENABLED" {
		t.Errorf("State: got %v", got)
	}
	target := list(get(rule, "Targets"))[0]
	if get(target, "RetryPolicy", "MaximumRetryAttempts") != float64(8) || get(target, "RetryPolicy", "MaximumEventAgeInSeconds") != float64(6*3600) {
		t.Errorf("delivery retries: got %v, want 8 within 6 hours", get(target, "RetryPolicy"))
	}
	// AND EventBridge may invoke it
	permitted := false
	for _, p := range s.resources("AWS::Lambda::Permission") {
		props := get(p, "Properties")
		if slices.Equal(refs(get(props, "FunctionName")), []string{fn.id}) && get(props, "Principal") == "events.amazonaws.com" {
			permitted = true
		}
	}
	if !permitted {
		t.Error("no permission lets EventBridge invoke the reminders")
	}
	// AND a run that stops before its deadline is retried twice within 6 hours, resuming
	var configs []any
	for _, c := range s.resources("AWS::Lambda::EventInvokeConfig") {
		if slices.Equal(refs(get(c, "Properties", "FunctionName")), []string{fn.id}) {
			configs = append(configs, get(c, "Properties"))
		}
	}
	if len(configs) != 1 || get(configs[0], "MaximumRetryAttempts") != float64(2) || get(configs[0], "MaximumEventAgeInSeconds") != float64(6*3600) {
		t.Errorf("async invoke config: got %v, want 2 retries within 6 hours", configs)
	}
	// AND its environment says the hour
	if got := get(fn.props, "Environment", "Variables", "REMINDER_HOUR_UTC"); got != "9" {
		t.Errorf("REMINDER_HOUR_UTC: got %v, want 9", got)
	}
	// AND it serves the automated messages routes too
	for _, r := range httpapi.Routes {
		if strings.Contains(r.Path, "automated-messages") && r.Function != httpapi.FunctionReminders {
			t.Errorf("route %s is served by %s", r.Key(), r.Function)
		}
	}
}

func TestReminderHourIsConfigurable(t *testing.T) {
	seven, late := 7, 24
	tests := []struct {
		name    string
		context map[string]any
		prop    *int
		want    int
		panics  bool
	}{
		{"default", nil, nil, 9, false},
		{"context number", map[string]any{"reminderHourUtc": 6}, nil, 6, false},
		{"context string (cdk -c)", map[string]any{"reminderHourUtc": "18"}, nil, 18, false},
		{"the prop wins", map[string]any{"reminderHourUtc": 6}, &seven, 7, false},
		{"midnight", map[string]any{"reminderHourUtc": "0"}, nil, 0, false},
		{"an hour too late", nil, &late, 0, true},
		{"not a number", map[string]any{"reminderHourUtc": "nine"}, nil, 0, true},
		{"not a whole hour", map[string]any{"reminderHourUtc": 6.5}, nil, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := awscdk.NewApp(&awscdk.AppProps{Context: &tt.context})
			stack := awscdk.NewStack(app, jsii.String("Hour"), nil)
			defer func() {
				if r := recover(); (r != nil) != tt.panics {
					t.Fatalf("panic %v, want a panic: %v", r, tt.panics)
				}
			}()
			if got := reminderHour(stack, tt.prop); got != tt.want {
				t.Fatalf("hour %d, want %d", got, tt.want)
			}
			if got, want := saturdayCron(tt.want), fmt.Sprintf("cron(0 %d ? * SAT *)", tt.want); got != want {
				t.Fatalf("cron %s, want %s", got, want)
			}
		})
	}
}

func TestBouncesAndComplaintsReachTheFeedbackFunction(t *testing.T) {
	// GIVEN the mailer's configuration set, the feedback topic and queue, and the feedback function
	// WHEN the app is synthesised
	s := synth(t)
	configSetID := s.logicalID(t, "MailConfigurationSet")
	topicID := s.logicalID(t, "SesFeedbackTopic")
	keyID := s.logicalID(t, "SesFeedbackKey")
	queueID := s.logicalID(t, constructID(resources.FeedbackQueue.Name))
	feedback := s.function(t, httpapi.FunctionFeedback)
	mailer := s.function(t, httpapi.FunctionMailer)

	// THEN the mailer sends under the configuration set
	if got := refs(get(mailer.props, "Environment", "Variables", "MAIL_CONFIGURATION_SET")); !slices.Equal(got, []string{configSetID}) {
		t.Errorf("MAIL_CONFIGURATION_SET: got %v, want a Ref to %s", got, configSetID)
	}
	// AND the configuration set's one event destination publishes its bounces and complaints to the topic
	var destinations []any
	for _, d := range s.resources("AWS::SES::ConfigurationSetEventDestination") {
		if slices.Equal(refs(get(d, "Properties", "ConfigurationSetName")), []string{configSetID}) {
			destinations = append(destinations, get(d, "Properties", "EventDestination"))
		}
	}
	if len(destinations) != 1 {
		t.Fatalf("event destinations of the configuration set: got %d, want 1", len(destinations))
	}
	d := destinations[0]
	if got := slices.Sorted(slices.Values(toStrings(list(get(d, "MatchingEventTypes"))))); !slices.Equal(got, []string{"bounce", "complaint"}) {
		t.Errorf("MatchingEventTypes: got %v, want bounce and complaint", got)
	}
	if get(d, "Enabled") != true || !slices.Equal(refs(get(d, "SnsDestination", "TopicARN")), []string{topicID}) {
		t.Errorf("event destination: got %v, want enabled, to %s", d, topicID)
	}

	// AND the topic is encrypted with its own rotating key, which SES may use for this configuration set only
	keyStatements, topicStatements := s.checkEncryptedTopic(t, topicID, keyID, "ses.amazonaws.com")
	sesMayEncrypt := false
	for _, st := range keyStatements {
		if slices.Contains(toStrings(list(get(st, "Action"))), "kms:GenerateDataKey*") &&
			slices.Contains(refs(get(st, "Condition", "ArnLike", "aws:SourceArn")), configSetID) {
			sesMayEncrypt = true
		}
	}
	if !sesMayEncrypt {
		t.Errorf("the key policy does not let SES encrypt for the configuration set: %v", keyStatements)
	}
	// AND its policy lets SES publish for the configuration set only
	sesPublishes := false
	for _, st := range topicStatements {
		if get(st, "Action") == "sns:Publish" && get(st, "Condition", "StringEquals", "AWS:SourceArn") != nil {
			sesPublishes = true
		}
	}
	if !sesPublishes {
		t.Errorf("topic policy: SES may not publish for the configuration set: %v", topicStatements)
	}

	// AND the feedback queue is subscribed to the topic, SNS's envelope kept (raw delivery off)
	var subscriptions []any
	for _, sub := range s.resources("AWS::SNS::Subscription") {
		if slices.Equal(refs(get(sub, "Properties", "TopicArn")), []string{topicID}) {
			subscriptions = append(subscriptions, get(sub, "Properties"))
		}
	}
	if len(subscriptions) != 1 {
		t.Fatalf("subscriptions of the topic: got %d, want 1", len(subscriptions))
	}
	sub := subscriptions[0]
	if get(sub, "Protocol") != "sqs" || !slices.Equal(refs(get(sub, "Endpoint")), []string{queueID}) || get(sub, "RawMessageDelivery") == true {
		t.Errorf("subscription: got %v, want sqs to %s without raw message delivery", sub, queueID)
	}
	// AND the queue lets the topic, and only it, send to it
	snsSends := false
	for _, p := range s.resources("AWS::SQS::QueuePolicy") {
		if !slices.Contains(refs(get(p, "Properties", "Queues")), queueID) {
			continue
		}
		for _, st := range list(get(p, "Properties", "PolicyDocument", "Statement")) {
			if get(st, "Effect") == "Allow" && get(st, "Principal", "Service") == "sns.amazonaws.com" &&
				slices.Equal(refs(get(st, "Condition", "ArnEquals", "aws:SourceArn")), []string{topicID}) {
				snsSends = true
			}
		}
	}
	if !snsSends {
		t.Error("the feedback queue's policy does not let the topic send to it")
	}

	// AND one event source mapping feeds the function the queue, reporting the records that failed
	m := s.queueMapping(t, feedback, queueID)
	if !slices.Equal(list(get(m, "FunctionResponseTypes")), []any{"ReportBatchItemFailures"}) {
		t.Errorf("FunctionResponseTypes: got %v, want [ReportBatchItemFailures]", get(m, "FunctionResponseTypes"))
	}
	// AND the queue hides a received batch for at least six timeouts of the function
	s.checkVisibility(t, queueID, feedback)
}

// checkEncryptedTopic checks that the topic topicID is encrypted with the
// rotating key keyID and that its policy denies requests without TLS. It
// returns the key policy's statements for the service principal service,
// and the topic policy's Allow statements for it.
func (s *synthesis) checkEncryptedTopic(t *testing.T, topicID, keyID, service string) (keyStatements, topicStatements []any) {
	t.Helper()
	topic := get(s.resource(t, topicID, "AWS::SNS::Topic"), "Properties")
	if got := refs(get(topic, "KmsMasterKeyId")); !slices.Equal(got, []string{keyID}) {
		t.Errorf("KmsMasterKeyId: got %v, want %s", got, keyID)
	}
	key := get(s.resource(t, keyID, "AWS::KMS::Key"), "Properties")
	if get(key, "EnableKeyRotation") != true {
		t.Errorf("the key %s of topic %s does not rotate", keyID, topicID)
	}
	for _, st := range list(get(key, "KeyPolicy", "Statement")) {
		if get(st, "Principal", "Service") == service {
			keyStatements = append(keyStatements, st)
		}
	}
	tlsOnly := false
	for _, p := range s.resources("AWS::SNS::TopicPolicy") {
		if !slices.Contains(refs(get(p, "Properties", "Topics")), topicID) {
			continue
		}
		for _, st := range list(get(p, "Properties", "PolicyDocument", "Statement")) {
			switch {
			case get(st, "Effect") == "Allow" && get(st, "Principal", "Service") == service:
				topicStatements = append(topicStatements, st)
			case get(st, "Effect") == "Deny" && get(st, "Condition", "Bool", "aws:SecureTransport") == "false":
				tlsOnly = true
			}
		}
	}
	if !tlsOnly {
		t.Errorf("topic %s: no policy denies requests without TLS", topicID)
	}
	return keyStatements, topicStatements
}

// queueMapping returns the properties of fn's one event source mapping,
// after checking that it reads the queue queueID.
func (s *synthesis) queueMapping(t *testing.T, fn function, queueID string) any {
	t.Helper()
	var mappings []any
	for _, m := range s.resources("AWS::Lambda::EventSourceMapping") {
		if slices.Equal(refs(get(m, "Properties", "FunctionName")), []string{fn.id}) {
			mappings = append(mappings, get(m, "Properties"))
		}
	}
	if len(mappings) != 1 {
		t.Fatalf("event source mappings of %s: got %d, want 1", fn.id, len(mappings))
	}
	if got := refs(get(mappings[0], "EventSourceArn")); !slices.Equal(got, []string{queueID}) {
		t.Errorf("EventSourceArn: got %v, want the queue %s", got, queueID)
	}
	return mappings[0]
}

// checkVisibility checks that the queue queueID hides a received batch for
// at least six timeouts of fn, as AWS advises for SQS event sources.
func (s *synthesis) checkVisibility(t *testing.T, queueID string, fn function) {
	t.Helper()
	visibility := get(s.resource(t, queueID, "AWS::SQS::Queue"), "Properties", "VisibilityTimeout")
	if v, to := visibility.(float64), get(fn.props, "Timeout").(float64); v < 6*to {
		t.Errorf("VisibilityTimeout %v s is less than six times the timeout %v s of %s", v, to, fn.id)
	}
}

// toStrings formats each value of vs.
func toStrings(vs []any) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmt.Sprint(v)
	}
	return out
}

func TestReportsBuildFromTheirQueueAndRunDaily(t *testing.T) {
	// GIVEN the reports function, its queue and the files bucket
	// WHEN the app is synthesised
	s := synth(t)
	reports := s.function(t, httpapi.FunctionReports)
	queueID := s.logicalID(t, constructID(resources.ReportQueue.Name))

	// THEN one event source mapping feeds it the report queue, a build at
	// a time, reporting a failed build
	var mappings []any
	for _, m := range s.resources("AWS::Lambda::EventSourceMapping") {
		if slices.Equal(refs(get(m, "Properties", "FunctionName")), []string{reports.id}) {
			mappings = append(mappings, get(m, "Properties"))
		}
	}
	if len(mappings) != 1 {
		t.Fatalf("event source mappings of reports: got %d, want 1", len(mappings))
	}
	m := mappings[0]
	if got := refs(get(m, "EventSourceArn")); !slices.Equal(got, []string{queueID}) {
		t.Errorf("EventSourceArn: got %v, want the report queue %s", got, queueID)
	}
	if got := get(m, "BatchSize"); got != float64(1) {
		t.Errorf("BatchSize: got %v, want 1", got)
	}
	if got := list(get(m, "FunctionResponseTypes")); !slices.Equal(got, []any{"ReportBatchItemFailures"}) {
		t.Errorf("FunctionResponseTypes: got %v, want [ReportBatchItemFailures]", got)
	}
	// AND the queue hides a build for six function timeouts
	visibility := get(s.resource(t, queueID, "AWS::SQS::Queue"), "Properties", "VisibilityTimeout")
	if v, to := visibility.(float64), get(reports.props, "Timeout").(float64); v < 6*to {
		t.Errorf("VisibilityTimeout %v s is less than six times the function's timeout %v s", v, to)
	}

	// AND a rule invokes it every day at 06:00 UTC, with retries
	var rules []any
	for _, r := range s.resources("AWS::Events::Rule") {
		for _, target := range list(get(r, "Properties", "Targets")) {
			if slices.Equal(refs(get(target, "Arn")), []string{reports.id}) {
				rules = append(rules, get(r, "Properties"))
				if got := get(target, "RetryPolicy", "MaximumRetryAttempts"); got != float64(2) {
					t.Errorf("MaximumRetryAttempts: got %v, want 2", got)
				}
			}
		}
	}
	if len(rules) != 1 {
		t.Fatalf("rules invoking reports: got %d, want 1", len(rules))
	}
	if got := get(rules[0], "ScheduleExpression"); got != "cron(0 6 * * ? *)" {
		t.Errorf("ScheduleExpression: got %v, want cron(0 6 * * ? *)", got)
	}
	if got := get(rules[0], "State"); got != nil && got != "ENABLED" {
		t.Errorf("State: got %v", got)
	}
	permitted := false
	for _, p := range s.resources("AWS::Lambda::Permission") {
		props := get(p, "Properties")
		if get(props, "Principal") == "events.amazonaws.com" && slices.Equal(refs(get(props, "FunctionName")), []string{reports.id}) {
			permitted = true
		}
	}
	if !permitted {
		t.Error("EventBridge may not invoke the reports function")
	}

	// AND report files expire from the bucket after ReportsExpireDays
	expires := false
	for _, rule := range list(get(s.resource(t, s.logicalID(t, "Files"), "AWS::S3::Bucket"), "Properties", "LifecycleConfiguration", "Rules")) {
		if get(rule, "Status") == "Enabled" && get(rule, "Prefix") == resources.ReportsPrefix &&
			get(rule, "ExpirationInDays") == float64(resources.ReportsExpireDays) {
			expires = true
		}
	}
	if !expires {
		t.Errorf("no enabled lifecycle rule expires %s after %d days", resources.ReportsPrefix, resources.ReportsExpireDays)
	}
}
