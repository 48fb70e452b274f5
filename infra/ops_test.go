package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/learnops/backoffice/shared/adapters/httpapi"
	"github.com/learnops/backoffice/shared/app/resources"
)

// opsID is the logical ID of the CloudFormation resource of the construct
// id under the Operations construct.
func (s *synthesis) opsID(t *testing.T, id string) string {
	t.Helper()
	ops := s.stack.Node().TryFindChild(jsii.String("Operations"))
	if ops == nil {
		t.Fatal("no Operations construct in the stack")
	}
	c := ops.Node().TryFindChild(jsii.String(id))
	if c == nil {
		t.Fatalf("no construct Operations/%s", id)
	}
	return *s.stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

// alarm is a synthesised CloudWatch alarm.
type alarm struct {
	id    string
	props any
}

// dimension is the value of the alarm's dimension name, or nil.
func (a alarm) dimension(name string) any {
	for _, d := range list(get(a.props, "Dimensions")) {
		if get(d, "Name") == name {
			return get(d, "Value")
		}
	}
	return nil
}

// alarms are the template's alarms on metric of namespace whose dimension
// dim references the logical ID target.
func (s *synthesis) alarms(namespace, metric, dim, target string) []alarm {
	var out []alarm
	for id, r := range s.resources("AWS::CloudWatch::Alarm") {
		a := alarm{id: id, props: get(r, "Properties")}
		if get(a.props, "Namespace") == namespace && get(a.props, "MetricName") == metric && slices.Contains(refs(a.dimension(dim)), target) {
			out = append(out, a)
		}
	}
	return out
}

// oneAlarm checks that there is exactly one alarm of the kind and returns it.
func oneAlarm(t *testing.T, what string, found []alarm) alarm {
	t.Helper()
	if len(found) != 1 {
		t.Fatalf("%s: got %d alarms, want 1", what, len(found))
	}
	return found[0]
}

// checkAboveZero checks that a fires on any value above zero.
func checkAboveZero(t *testing.T, a alarm) {
	t.Helper()
	if get(a.props, "ComparisonOperator") != "GreaterThanThreshold" || get(a.props, "Threshold") != float64(0) {
		t.Errorf("%s: got %v %v, want GreaterThanThreshold 0", a.id, get(a.props, "ComparisonOperator"), get(a.props, "Threshold"))
	}
}

// deadLetterQueues are the logical IDs of the template's queues that
// receive what failed: redrive targets of queues, on-failure destinations
// of asynchronous invocations and dead-letter queues of rule targets.
func (s *synthesis) deadLetterQueues() map[string]string {
	dlqs := map[string]string{}
	for id, q := range s.resources("AWS::SQS::Queue") {
		for _, dlq := range refs(get(q, "Properties", "RedrivePolicy", "deadLetterTargetArn")) {
			dlqs[dlq] = "dead-letter queue of " + id
		}
	}
	for id, c := range s.resources("AWS::Lambda::EventInvokeConfig") {
		for _, dlq := range refs(get(c, "Properties", "DestinationConfig", "OnFailure", "Destination")) {
			dlqs[dlq] = "on-failure destination of " + id
		}
	}
	for id, r := range s.resources("AWS::Events::Rule") {
		for _, target := range list(get(r, "Properties", "Targets")) {
			for _, dlq := range refs(get(target, "DeadLetterConfig", "Arn")) {
				dlqs[dlq] = "dead-letter queue of the targets of " + id
			}
		}
	}
	return dlqs
}

func TestEveryDeadLetterQueueHasAnAlarm(t *testing.T) {
	// GIVEN the synthesised stack
	s := synth(t)

	// WHEN its dead-letter queues are listed from the template itself
	dlqs := s.deadLetterQueues()

	// THEN they are the queues' five, the on-failure destination and the rules' dead-letter queue
	if got, want := len(dlqs), len(resources.Queues)+2; got != want {
		t.Errorf("dead-letter queues: got %d %v, want %d", got, dlqs, want)
	}
	// AND every queue of the stack either has a dead-letter queue or is one,
	// so that no queue escapes the count above
	for id, q := range s.resources("AWS::SQS::Queue") {
		if _, isDLQ := dlqs[id]; !isDLQ && get(q, "Properties", "RedrivePolicy") == nil {
			t.Errorf("queue %s neither has a dead-letter queue nor is one", id)
		}
	}
	// AND each has one alarm on any visible message, to the topic, that
	// keeps its state while SQS publishes nothing for an idle queue
	for id, what := range dlqs {
		t.Run(id, func(t *testing.T) {
			a := oneAlarm(t, what, s.alarms("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", id))
			checkAboveZero(t, a)
			if get(a.props, "TreatMissingData") != "ignore" {
				t.Errorf("TreatMissingData: got %v, want ignore", get(a.props, "TreatMissingData"))
			}
		})
	}
}

func TestEveryFunctionHasErrorsAndThrottlesAlarms(t *testing.T) {
	// GIVEN every function of the synthesised stack but CDK's own bucket
	// notifications and bucket deployment handlers, which run only during
	// deployments
	s := synth(t)
	var ids []string
	for id := range s.resources("AWS::Lambda::Function") {
		if !strings.HasPrefix(id, bucketNotificationsHandlerPrefix) && !strings.HasPrefix(id, constructID(bucketDeploymentHandlerPrefix)) {
			ids = append(ids, id)
		}
	}
	if len(ids) != len(Functions()) {
		t.Errorf("functions: got %d, want %d", len(ids), len(Functions()))
	}

	// THEN each has one alarm on any error and one on any throttle, not
	// breaching when the function is not invoked
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			for _, metric := range []string{"Errors", "Throttles"} {
				a := oneAlarm(t, metric, s.alarms("AWS/Lambda", metric, "FunctionName", id))
				checkAboveZero(t, a)
				if get(a.props, "Statistic") != "Sum" || get(a.props, "TreatMissingData") != "notBreaching" {
					t.Errorf("%s: got %v %v, want Sum, notBreaching", metric, get(a.props, "Statistic"), get(a.props, "TreatMissingData"))
				}
			}
		})
	}
}

func TestAsyncInvocationsHaveAnOnFailureDestination(t *testing.T) {
	// GIVEN the functions that S3, EventBridge or SNS may invoke: they
	// are invoked asynchronously, and Lambda drops an event whose retries
	// failed unless it has somewhere to send it
	s := synth(t)
	async := map[string]bool{}
	for _, p := range s.resources("AWS::Lambda::Permission") {
		if slices.Contains(asyncPrincipals, fmt.Sprint(get(p, "Properties", "Principal"))) {
			for _, id := range refs(get(p, "Properties", "FunctionName")) {
				async[id] = true
			}
		}
	}
	want := map[string]bool{}
	for _, name := range []string{httpapi.FunctionActivity, httpapi.FunctionInvitationImport, httpapi.FunctionReminders, httpapi.FunctionReports} {
		want[s.logicalID(t, functionID(name))] = true
	}
	if !mapsEqual(async, want) {
		t.Errorf("asynchronously invoked functions: got %v, want %v", async, want)
	}
	failures := s.opsID(t, "AsyncFailures")

	// THEN each has one invoke configuration sending failures to the
	// on-failure queue, and may send to it
	for id := range async {
		t.Run(id, func(t *testing.T) {
			var configs []any
			for _, c := range s.resources("AWS::Lambda::EventInvokeConfig") {
				if slices.Equal(refs(get(c, "Properties", "FunctionName")), []string{id}) {
					configs = append(configs, get(c, "Properties"))
				}
			}
			if len(configs) != 1 {
				t.Fatalf("invoke configurations: got %d, want 1", len(configs))
			}
			if got := refs(get(configs[0], "DestinationConfig", "OnFailure", "Destination")); !slices.Equal(got, []string{failures}) {
				t.Errorf("on-failure destination: got %v, want %s", got, failures)
			}
			if !s.roleMaySend(t, id, failures) {
				t.Errorf("the function's role may not send to %s", failures)
			}
		})
	}
	// AND the retry settings the triggers chose are kept
	reminders := s.logicalID(t, functionID(httpapi.FunctionReminders))
	for _, c := range s.resources("AWS::Lambda::EventInvokeConfig") {
		if slices.Equal(refs(get(c, "Properties", "FunctionName")), []string{reminders}) {
			if got := get(c, "Properties", "MaximumEventAgeInSeconds"); got != float64(remindersMaxEventAgeHours*3600) {
				t.Errorf("reminders MaximumEventAgeInSeconds: got %v", got)
			}
		}
	}
}

// roleMaySend reports whether the role of the function fnID is allowed
// sqs:SendMessage on the queue queueID.
func (s *synthesis) roleMaySend(t *testing.T, fnID, queueID string) bool {
	t.Helper()
	roles := refs(get(s.resource(t, fnID, "AWS::Lambda::Function"), "Properties", "Role"))
	for _, p := range s.resources("AWS::IAM::Policy") {
		if !slices.Equal(refs(get(p, "Properties", "Roles")), roles) {
			continue
		}
		for _, st := range list(get(p, "Properties", "PolicyDocument", "Statement")) {
			if get(st, "Effect") == "Allow" && slices.Contains(list(get(st, "Action")), any("sqs:SendMessage")) &&
				slices.Contains(refs(get(st, "Resource")), queueID) {
				return true
			}
		}
	}
	return false
}

// mapsEqual reports whether two sets are equal.
func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func TestEveryRuleTargetHasADeadLetterQueueAndRetries(t *testing.T) {
	// GIVEN every EventBridge rule of the synthesised stack
	s := synth(t)
	rules := s.resources("AWS::Events::Rule")
	if len(rules) != 3 {
		t.Errorf("rules: got %d, want 3 (activity, reminders, daily reports)", len(rules))
	}
	dlq := s.opsID(t, "EventDeadLetters")

	// THEN every target retries and then sends the event to the dead-letter queue
	for id, r := range rules {
		targets := list(get(r, "Properties", "Targets"))
		if len(targets) == 0 {
			t.Errorf("%s: no targets", id)
		}
		for _, target := range targets {
			if got := refs(get(target, "DeadLetterConfig", "Arn")); !slices.Equal(got, []string{dlq}) {
				t.Errorf("%s %v: dead-letter queue %v, want %s", id, get(target, "Id"), got, dlq)
			}
			if n, ok := get(target, "RetryPolicy", "MaximumRetryAttempts").(float64); !ok || n < 1 {
				t.Errorf("%s %v: RetryPolicy %v, want retries", id, get(target, "Id"), get(target, "RetryPolicy"))
			}
		}
	}
	// AND the queue lets EventBridge send to it for exactly these rules, over TLS only
	allowed := map[string]bool{}
	tlsOnly := false
	for _, p := range s.resources("AWS::SQS::QueuePolicy") {
		if !slices.Contains(refs(get(p, "Properties", "Queues")), dlq) {
			continue
		}
		for _, st := range list(get(p, "Properties", "PolicyDocument", "Statement")) {
			switch {
			case get(st, "Effect") == "Allow" && get(st, "Principal", "Service") == "events.amazonaws.com":
				for _, id := range refs(get(st, "Condition", "ArnEquals", "aws:SourceArn")) {
					allowed[id] = true
				}
			case get(st, "Effect") == "Deny" && get(st, "Condition", "Bool", "aws:SecureTransport") == "false":
				tlsOnly = true
			}
		}
	}
	want := map[string]bool{}
	for id := range rules {
		want[id] = true
	}
	if !mapsEqual(allowed, want) || !tlsOnly {
		t.Errorf("queue policy: EventBridge may send for %v (want %v), TLS only %v", allowed, want, tlsOnly)
	}
}

func TestAlarmTopicIsEncryptedAndEveryAlarmNotifiesIt(t *testing.T) {
	// GIVEN the synthesised stack
	s := synth(t)
	topicID := s.opsID(t, "AlarmTopic")
	keyID := s.opsID(t, "AlarmKey")

	// THEN the alarm topic is encrypted with its own rotating key, which CloudWatch may use
	keyStatements, topicStatements := s.checkEncryptedTopic(t, topicID, keyID, "cloudwatch.amazonaws.com")
	cloudWatchMayEncrypt := false
	for _, st := range keyStatements {
		if slices.Contains(toStrings(list(get(st, "Action"))), "kms:GenerateDataKey*") {
			cloudWatchMayEncrypt = true
		}
	}
	if !cloudWatchMayEncrypt {
		t.Error("the key policy does not let CloudWatch encrypt notifications")
	}
	// AND its policy lets this account's alarms publish
	publish := false
	for _, st := range topicStatements {
		if get(st, "Action") == "sns:Publish" && get(st, "Condition", "StringEquals", "aws:SourceAccount") != nil &&
			get(st, "Condition", "ArnLike", "aws:SourceArn") != nil {
			publish = true
		}
	}
	if !publish {
		t.Errorf("topic policy: CloudWatch may not publish for this account's alarms: %v", topicStatements)
	}
	// AND without an alarmEmail setting nobody is subscribed
	for _, sub := range s.resources("AWS::SNS::Subscription") {
		if slices.Contains(refs(get(sub, "Properties", "TopicArn")), topicID) {
			t.Errorf("subscription %v without an alarmEmail setting", get(sub, "Properties"))
		}
	}

	// AND every alarm of the stack notifies the topic when it fires and when
	// it is OK again, names itself after the stack, points at the runbook
	// and says what missing data means
	alarms := s.resources("AWS::CloudWatch::Alarm")
	for id, r := range alarms {
		props := get(r, "Properties")
		for _, actions := range []string{"AlarmActions", "OKActions"} {
			if got := refs(get(props, actions)); !slices.Equal(got, []string{topicID}) {
				t.Errorf("%s %s: got %v, want the topic", id, actions, got)
			}
		}
		if name := fmt.Sprint(get(props, "AlarmName")); !strings.HasPrefix(name, s.cfg.StackName()+"-") {
			t.Errorf("%s AlarmName %q: want it to start with the stack name", id, name)
		}
		if !strings.Contains(fmt.Sprint(get(props, "AlarmDescription")), "docs/runbook.md") {
			t.Errorf("%s: the description does not point at the runbook", id)
		}
		if get(props, "TreatMissingData") == nil {
			t.Errorf("%s: TreatMissingData not chosen", id)
		}
	}
	// AND the alarms are those of the DLQs, the functions, the API, the mail queue and SES
	if got, want := len(alarms), len(s.deadLetterQueues())+2*len(Functions())+5; got != want {
		t.Errorf("alarms: got %d, want %d", got, want)
	}
}

func TestAPIMailAndSESAlarms(t *testing.T) {
	// GIVEN the synthesised stack
	s := synth(t)
	byName := map[string]any{}
	for _, r := range s.resources("AWS::CloudWatch::Alarm") {
		byName[s.alarmKind(r)] = get(r, "Properties")
	}
	apiID := s.logicalID(t, "HttpApi")

	// THEN the 5xx rate is 5xx over requests of the API's stage, in percent
	rate := byName[api5xxAlarm]
	var metrics []string
	for _, q := range list(get(rate, "Metrics")) {
		if m := get(q, "MetricStat", "Metric"); m != nil {
			metrics = append(metrics, fmt.Sprint(get(m, "MetricName")))
			dims := map[string]any{}
			for _, d := range list(get(m, "Dimensions")) {
				dims[fmt.Sprint(get(d, "Name"))] = get(d, "Value")
			}
			if !slices.Equal(refs(dims["ApiId"]), []string{apiID}) || dims["Stage"] != "$default" {
				t.Errorf("5xx rate metric %v: dimensions %v, want ApiId and Stage $default", get(m, "MetricName"), dims)
			}
		} else if !strings.Contains(fmt.Sprint(get(q, "Expression")), "100 * errors / requests") {
			t.Errorf("5xx rate expression: got %v", get(q, "Expression"))
		}
	}
	if slices.Sort(metrics); !slices.Equal(metrics, []string{"5xx", "Count"}) {
		t.Errorf("5xx rate metrics: got %v, want 5xx and Count", metrics)
	}
	if get(rate, "Threshold") != float64(apiServerErrorPercent) {
		t.Errorf("5xx rate threshold: got %v", get(rate, "Threshold"))
	}
	// AND the latency alarm is on the stage's p99
	latency := byName[apiLatencyAlarm]
	if get(latency, "MetricName") != "Latency" || get(latency, "ExtendedStatistic") != "p99" || get(latency, "Namespace") != "AWS/ApiGateway" {
		t.Errorf("latency alarm: got %v", latency)
	}
	// AND the mail queue's oldest message is watched
	age := oneAlarm(t, "mail queue age", s.alarms("AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", s.logicalID(t, constructID(resources.MailQueue.Name))))
	if get(age.props, "Threshold") != float64(mailAgeSeconds) {
		t.Errorf("mail age threshold: got %v", get(age.props, "Threshold"))
	}
	// AND SES's account reputation alarms before SES's review levels (5%, 0.1%)
	for name, limit := range map[string]float64{sesBounceAlarm: 0.05, sesComplaintAlarm: 0.001} {
		a := byName[name]
		threshold, _ := get(a, "Threshold").(float64)
		if get(a, "Namespace") != "AWS/SES" || threshold <= 0 || threshold >= limit || get(a, "Dimensions") != nil {
			t.Errorf("%s: got %v, want an account-level AWS/SES alarm below %v", name, a, limit)
		}
	}
}

func TestDashboardShowsTheFlows(t *testing.T) {
	// GIVEN the synthesised stack
	s := synth(t)
	dashboards := s.resources("AWS::CloudWatch::Dashboard")
	if len(dashboards) != 1 {
		t.Fatalf("dashboards: got %d, want 1", len(dashboards))
	}
	var body string
	for _, d := range dashboards {
		body = render(get(d, "Properties", "DashboardBody"), nil)
	}

	// THEN it has a section per flow, with the metrics of each
	for _, want := range []string{
		"## API", `"5xx"`, `"4xx"`, `"Latency"`,
		"## Mail", "ApproximateAgeOfOldestMessage", `"Reputation.BounceRate"`, `"Reputation.ComplaintRate"`, `"Bounce"`, `"Complaint"`, `"Send"`,
		"## Imports", "## Reports", "## Reminders", `"FailedInvocations"`, `"Duration"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard body has no %s", want)
		}
	}
	// AND the functions of the flows are on it
	for _, name := range []string{httpapi.FunctionMailer, httpapi.FunctionInvitationImport, httpapi.FunctionReports, httpapi.FunctionReminders} {
		if id := s.logicalID(t, functionID(name)); !strings.Contains(body, "${"+id+"}") {
			t.Errorf("dashboard does not show the %s function (%s)", name, id)
		}
	}
	for _, q := range []resources.QueueSpec{resources.MailQueue, resources.ReportQueue} {
		if id := s.logicalID(t, constructID(q.Name)); !strings.Contains(body, "${"+id+".QueueName}") {
			t.Errorf("dashboard does not show the queue %s", q.Name)
		}
	}
}

func TestAlarmEmailIsSubscribedAndChecked(t *testing.T) {
	// GIVEN a stack
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Topic"), nil)

	// WHEN the topic is declared with the stage's alarmEmail setting
	newAlarmTopic(stack, "ops@example.com")

	// THEN the address is subscribed by email
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]any{
		"Protocol": "email", "Endpoint": "ops@example.com",
	})

	// AND a stage whose alarmEmail is not an address fails validation, naming the setting
	for _, bad := range []string{"ops at example", "ops@example"} {
		cfg := otherStage
		cfg.AlarmEmail = bad
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "alarmEmail") {
			t.Errorf("alarmEmail %q: got %v, want an error naming alarmEmail", bad, err)
		}
	}
}

// alarmKind is an alarm's name without the stack name it starts with.
func (s *synthesis) alarmKind(alarm any) string {
	return strings.TrimPrefix(fmt.Sprint(get(alarm, "Properties", "AlarmName")), s.cfg.StackName()+"-")
}
