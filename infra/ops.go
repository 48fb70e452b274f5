package main

import (
	"fmt"
	"maps"
	"regexp"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/learnops/backoffice/shared/adapters/httpapi"
	"github.com/learnops/backoffice/shared/app/resources"
)

// Thresholds and windows of the alarms. docs/runbook.md explains each alarm
// by the name suffix in alarmNames; keep the two in step.
const (
	// alarmPeriodMinutes is the window of every alarm on the API, the
	// functions and the queues.
	alarmPeriodMinutes = 5
	// apiServerErrorPercent is the share of requests answered 5xx, over a
	// window, that counts as a bad window; two bad windows of three alarm.
	apiServerErrorPercent = 5
	// apiLatencyP99Millis is the p99 latency that counts as a slow window:
	// half the API functions' timeout (apiTimeoutSecs). Three slow windows
	// in a row alarm.
	apiLatencyP99Millis = 5000
	// mailAgeSeconds is the age of the mail queue's oldest message that
	// means mail is stuck rather than being paced out at the SES rate (a
	// 10,000-recipient message takes about 12 minutes at 14 emails/s).
	mailAgeSeconds = 3600
	// sesBounceRate and sesComplaintRate alarm before SES's own review
	// levels (5% bounces, 0.1% complaints), above which SES puts the
	// account under review and may pause sending.
	sesBounceRate    = 0.04
	sesComplaintRate = 0.0008
	// sesReputationPeriodHours is the window of the reputation alarms: SES
	// updates the rates over a long window, not per minute.
	sesReputationPeriodHours = 1
)

// emailPattern is what an alarm email address must look like: SNS sends a
// confirmation to it, so a typo would silently leave nobody subscribed.
var emailPattern = regexp.MustCompile(`^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$`)

// OperationsProps is what the Operations construct watches.
type OperationsProps struct {
	// AlarmEmail, when not empty, is subscribed to the alarm topic (SNS
	// sends it a confirmation link first). Empty leaves the topic without
	// subscribers, for the platform team to subscribe what it uses.
	AlarmEmail string
	// Functions are every function of the stack by name (functionSpecs).
	// Each gets an errors and a throttles alarm; those invoked
	// asynchronously (by EventBridge or S3) get an on-failure destination,
	// and the EventBridge rules under them a dead-letter queue.
	Functions map[string]awslambda.Function
	// Queues are the queues of shared/app/resources by name; their dead-letter
	// queues get an alarm each, and the mail and report queues appear on
	// the dashboard.
	Queues map[string]awssqs.Queue
	// APIStage is the HTTP API's stage whose 5xx rate and latency are
	// watched.
	APIStage awsapigatewayv2.IHttpStage
}

// Operations is what tells someone that the back office is failing: an
// alarm topic, the alarms, a dashboard of its flows, and the queues that keep
// what asynchronous invocations and EventBridge deliveries failed to do.
type Operations struct {
	// Topic receives every alarm's ALARM and OK notifications.
	Topic awssns.Topic
	// AsyncFailures keeps the asynchronous invocations (EventBridge, S3)
	// that failed after Lambda's retries: Lambda's on-failure destination.
	AsyncFailures awssqs.Queue
	// EventDeadLetters keeps the events that EventBridge could not deliver
	// to their target after its retries.
	EventDeadLetters awssqs.Queue
	// Alarms are every alarm, by the suffix of its name (see alarmName).
	Alarms map[string]awscloudwatch.Alarm
	// Dashboard shows the flows: API, mail, imports, reports, reminders.
	Dashboard awscloudwatch.Dashboard

	// scope is the construct everything above is declared under.
	scope constructs.Construct
}

// NewOperations declares the operations of the back office under scope (a
// construct called id): see Operations. It must be called once every
// function has its triggers. It panics, failing the synth, when a function
// named on the dashboard or a queue of shared/app/resources is missing from
// props.
func NewOperations(scope constructs.Construct, id string, props *OperationsProps) *Operations {
	c := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(c)
	o := &Operations{Alarms: map[string]awscloudwatch.Alarm{}, scope: c}
	o.Topic = newAlarmTopic(c, props.AlarmEmail)
	o.AsyncFailures = newFailureQueue(c, "AsyncFailures",
		"It is the on-failure destination of asynchronous Lambda invocations, itself the end of the line: a dead-letter queue of it would only move the problem. Its messages are alarmed on and kept 14 days.")
	o.EventDeadLetters = newFailureQueue(c, "EventDeadLetters",
		"It is the dead-letter queue of the EventBridge rules' targets, itself the end of the line: a dead-letter queue of it would only move the problem. Its messages are alarmed on and kept 14 days.")

	deadLetters := map[string]awssqs.IQueue{
		"async-failures":     o.AsyncFailures,
		"event-dead-letters": o.EventDeadLetters,
	}
	for _, spec := range resources.Queues {
		q, ok := props.Queues[spec.Name]
		if !ok || q.DeadLetterQueue() == nil {
			panic(fmt.Sprintf("operations: no queue %s with its dead-letter queue", spec.Name))
		}
		deadLetters[spec.DeadLetterName] = q.DeadLetterQueue().Queue
	}

	names := slices.Sorted(maps.Keys(props.Functions))
	async := asyncInvoked(stack)
	for _, name := range names {
		fn := props.Functions[name]
		if async[logicalID(fn)] {
			o.sendFailuresTo(fn)
		}
		for _, rule := range rulesOf(fn) {
			o.deadLetterTargets(rule)
		}
	}

	o.addAlarms(stack, props, names, deadLetters)
	o.Dashboard = o.newDashboard(stack, props, deadLetters)

	output(stack, "AlarmTopicArn", o.Topic.TopicArn(), "SNS topic of every alarm (subscribe to it to be told)")
	output(stack, "DashboardName", o.Dashboard.DashboardName(), "CloudWatch dashboard of the back office's flows")
	output(stack, "AsyncFailuresUrl", o.AsyncFailures.QueueUrl(), "Failed asynchronous invocations (reminders, daily reports, imports, activity)")
	output(stack, "EventDeadLettersUrl", o.EventDeadLetters.QueueUrl(), "Events EventBridge could not deliver to their function")
	return o
}

// newAlarmTopic declares the alarm topic: encrypted with a rotating key of
// its own that CloudWatch may use, TLS only, and email subscribed when set.
func newAlarmTopic(scope constructs.Construct, email string) awssns.Topic {
	stack := awscdk.Stack_Of(scope)
	// AWS documents CloudWatch's use of the key without conditions; one
	// CloudWatch does not send would silence every alarm.
	topic := newEncryptedTopic(scope, "Alarm", encryptedTopicProps{
		displayName: "Back office alarms", publisher: "cloudwatch.amazonaws.com", sid: "CloudWatchAlarmsEncryptForTheAlarmTopic",
	})
	// EnforceSSL replaces the topic's default policy, so CloudWatch's
	// right to publish is stated: for this account's alarms only.
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsPublish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*topic.TopicArn()),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
			"ArnLike": map[string]any{"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("cloudwatch"), Resource: jsii.String("alarm"), ResourceName: jsii.String("*"),
				ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
			})},
		},
	}))
	if email != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(email), nil))
	}
	return topic
}

// encryptedTopicProps describes a topic of newEncryptedTopic.
type encryptedTopicProps struct {
	displayName string
	// publisher is the service principal that publishes to the topic, and
	// so encrypts with its key; sid names its statement in the key policy.
	publisher, sid string
	// conditions narrow the publisher's use of the key; nil for none.
	conditions *map[string]any
}

// newEncryptedTopic declares the SNS topic <name>Topic, TLS only and
// encrypted with the rotating key <name>Key, which props.publisher may use
// to encrypt what it publishes. The publisher's right to publish is the
// caller's to grant.
func newEncryptedTopic(scope constructs.Construct, name string, props encryptedTopicProps) awssns.Topic {
	key := awskms.NewKey(scope, jsii.String(name+"Key"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the SNS topic: " + props.displayName),
		EnableKeyRotation: jsii.Bool(true),
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String(props.sid),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(props.publisher), nil)},
		Actions:    jsii.Strings("kms:GenerateDataKey*", "kms:Decrypt"),
		Resources:  jsii.Strings("*"),
		Conditions: props.conditions,
	}), nil)
	return awssns.NewTopic(scope, jsii.String(name+"Topic"), &awssns.TopicProps{
		DisplayName: jsii.String(props.displayName),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
}

// newFailureQueue declares a queue that keeps what failed for two weeks,
// encrypted and TLS only; why says why it has no dead-letter queue itself.
func newFailureQueue(scope constructs.Construct, id, why string) awssqs.Queue {
	q := awssqs.NewQueue(scope, jsii.String(id), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(deadLetterRetentionDays)),
	})
	suppress(q, "AwsSolutions-SQS3", why)
	return q
}

// asyncPrincipals are the services that invoke a function asynchronously
// (Lambda queues the event and retries it), as opposed to API Gateway and
// SQS event source mappings, which invoke synchronously.
var asyncPrincipals = []string{"events.amazonaws.com", "s3.amazonaws.com", "sns.amazonaws.com"}

// asyncInvoked returns the logical IDs of the functions of stack that one of
// asyncPrincipals may invoke: CDK adds such a permission (under the bucket
// or the rule) when an S3 notification or an EventBridge rule targets a
// function.
func asyncInvoked(stack awscdk.Stack) map[string]bool {
	ids := map[string]bool{}
	for _, c := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		p, ok := c.(awslambda.CfnPermission)
		if !ok || !slices.Contains(asyncPrincipals, *p.Principal()) {
			continue
		}
		// FunctionName is {"Fn::GetAtt": [id, "Arn"]} or {"Ref": id}.
		switch fn := stack.Resolve(p.FunctionName()).(type) {
		case map[string]any:
			if id, ok := fn["Ref"].(string); ok {
				ids[id] = true
			}
			if att, ok := fn["Fn::GetAtt"].([]any); ok && len(att) > 0 {
				ids[fmt.Sprint(att[0])] = true
			}
		}
	}
	return ids
}

// logicalID is the logical ID of fn's CloudFormation resource.
func logicalID(fn awslambda.Function) string {
	return *awscdk.Stack_Of(fn).GetLogicalId(fn.Node().DefaultChild().(awscdk.CfnElement))
}

// sendFailuresTo makes AsyncFailures the on-failure destination of fn's
// asynchronous invocations, keeping the retry settings its trigger chose
// (the trigger may already have configured them, and a function has one
// such configuration), and lets fn's role send to it.
func (o *Operations) sendFailuresTo(fn awslambda.Function) {
	if fn.Node().TryFindChild(jsii.String("EventInvokeConfig")) == nil {
		fn.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{})
	}
	config := fn.Node().FindChild(jsii.String("EventInvokeConfig")).Node().DefaultChild().(awslambda.CfnEventInvokeConfig)
	config.SetDestinationConfig(&awslambda.CfnEventInvokeConfig_DestinationConfigProperty{
		OnFailure: &awslambda.CfnEventInvokeConfig_OnFailureProperty{Destination: o.AsyncFailures.QueueArn()},
	})
	// Lambda sends the failure record with the function's role:
	// sqs:SendMessage is all it needs (the queue is SSE-SQS, no KMS).
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("sqs:SendMessage"),
		Resources: jsii.Strings(*o.AsyncFailures.QueueArn()),
	}))
}

// rulesOf returns the EventBridge rules declared under fn (the triggers
// declare a function's rules as its children).
func rulesOf(fn awslambda.Function) []awsevents.Rule {
	var rules []awsevents.Rule
	for _, c := range *fn.Node().Children() {
		if r, ok := c.(awsevents.Rule); ok {
			rules = append(rules, r)
		}
	}
	return rules
}

// deadLetterTargets gives every target of rule EventDeadLetters as its
// dead-letter queue, and lets the rule send to it. The rule's L2 offers no
// way to change a target once added, and its triggers in stack.go declare
// the targets with their retry policies, so the template's targets are
// overridden in place.
func (o *Operations) deadLetterTargets(rule awsevents.Rule) {
	cfn := rule.Node().DefaultChild().(awsevents.CfnRule)
	targets, _ := awscdk.Stack_Of(rule).Resolve(cfn.Targets()).([]any)
	if len(targets) == 0 {
		panic(fmt.Sprintf("%s: a rule without targets", *rule.Node().Path()))
	}
	for i := range targets {
		cfn.AddPropertyOverride(jsii.String(fmt.Sprintf("Targets.%d.DeadLetterConfig.Arn", i)), o.EventDeadLetters.QueueArn())
	}
	o.EventDeadLetters.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sqs:SendMessage"),
		Resources:  jsii.Strings(*o.EventDeadLetters.QueueArn()),
		Conditions: &map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": rule.RuleArn()}},
	}))
}

// Suffixes of alarm names (the name is "<stack>-<suffix>"); the runbook
// explains each kind.
func dlqAlarm(queue string) string       { return "dlq-" + queue }
func errorsAlarm(function string) string { return "errors-" + function }
func throttlesAlarm(fn string) string    { return "throttles-" + fn }

const (
	api5xxAlarm       = "api-5xx-rate"
	apiLatencyAlarm   = "api-p99-latency"
	mailAgeAlarm      = "mail-queue-age"
	sesBounceAlarm    = "ses-bounce-rate"
	sesComplaintAlarm = "ses-complaint-rate"
)

// alarm declares an alarm named "<stack>-<suffix>" that notifies the topic
// when it goes into ALARM and when it is OK again.
func (o *Operations) alarm(stack awscdk.Stack, suffix, description string, props *awscloudwatch.AlarmProps) {
	if _, dup := o.Alarms[suffix]; dup {
		panic("operations: two alarms named " + suffix)
	}
	props.AlarmName = jsii.String(*stack.StackName() + "-" + suffix)
	props.AlarmDescription = jsii.String(description + " See docs/runbook.md, alarm " + suffix + ".")
	a := awscloudwatch.NewAlarm(o.scope, jsii.String("Alarm-"+suffix), props)
	action := awscloudwatchactions.NewSnsAction(o.Topic)
	a.AddAlarmAction(action)
	a.AddOkAction(action)
	o.Alarms[suffix] = a
}

// window is the period of the alarms on the API, functions and queues.
func window() awscdk.Duration { return awscdk.Duration_Minutes(jsii.Number(alarmPeriodMinutes)) }

// addAlarms declares every alarm. TreatMissingData is chosen per kind:
// counts of events (errors, throttles, 5xx, latency) are missing when
// nothing happens, which is not breaching; the state of a queue or of SES's
// reputation is missing when SQS or SES stops publishing it (an idle queue,
// between reputation updates), which must neither raise nor clear the
// alarm, so it is ignored.
func (o *Operations) addAlarms(stack awscdk.Stack, props *OperationsProps, functions []string, deadLetters map[string]awssqs.IQueue) {
	for _, name := range slices.Sorted(maps.Keys(deadLetters)) {
		o.alarm(stack, dlqAlarm(name), "Messages are waiting in the dead-letter queue "+name+": work that failed every retry.",
			&awscloudwatch.AlarmProps{
				Metric:             deadLetters[name].MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: window(), Statistic: jsii.String("Maximum")}),
				Threshold:          jsii.Number(0),
				ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
				EvaluationPeriods:  jsii.Number(1),
				TreatMissingData:   awscloudwatch.TreatMissingData_IGNORE,
			})
	}
	for _, name := range functions {
		fn := props.Functions[name]
		for _, m := range []struct {
			suffix, description string
			metric              func(*awscloudwatch.MetricOptions) awscloudwatch.Metric
		}{
			{errorsAlarm(name), "The " + name + " function failed (an error, panic or timeout, not a 4xx answer).", fn.MetricErrors},
			{throttlesAlarm(name), "Lambda refused to run the " + name + " function for lack of concurrency.", fn.MetricThrottles},
		} {
			o.alarm(stack, m.suffix, m.description, &awscloudwatch.AlarmProps{
				Metric:             m.metric(&awscloudwatch.MetricOptions{Period: window(), Statistic: jsii.String("Sum")}),
				Threshold:          jsii.Number(0),
				ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
				EvaluationPeriods:  jsii.Number(1),
				TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
			})
		}
	}

	stage := props.APIStage
	sum := &awscloudwatch.MetricOptions{Period: window(), Statistic: jsii.String("Sum")}
	o.alarm(stack, api5xxAlarm, fmt.Sprintf("More than %d%% of the API's requests were answered 5xx in 2 of 3 windows of %d minutes.", apiServerErrorPercent, alarmPeriodMinutes),
		&awscloudwatch.AlarmProps{
			Metric: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
				Expression: jsii.String("IF(requests > 0, 100 * errors / requests, 0)"),
				UsingMetrics: &map[string]awscloudwatch.IMetric{
					"errors":   stage.MetricServerError(sum),
					"requests": stage.MetricCount(sum),
				},
				Label:  jsii.String("5xx %"),
				Period: window(),
			}),
			Threshold:          jsii.Number(apiServerErrorPercent),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(3),
			DatapointsToAlarm:  jsii.Number(2),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
	o.alarm(stack, apiLatencyAlarm, fmt.Sprintf("The API's p99 latency was above %d ms for 3 windows of %d minutes in a row.", apiLatencyP99Millis, alarmPeriodMinutes),
		&awscloudwatch.AlarmProps{
			Metric:             stage.MetricLatency(&awscloudwatch.MetricOptions{Period: window(), Statistic: jsii.String("p99")}),
			Threshold:          jsii.Number(apiLatencyP99Millis),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(3),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
	o.alarm(stack, mailAgeAlarm, fmt.Sprintf("The mail queue's oldest email has waited more than %d minutes in 3 windows in a row: the mailer is not keeping up or not running.", mailAgeSeconds/60),
		&awscloudwatch.AlarmProps{
			Metric:             props.Queues[resources.MailQueue.Name].MetricApproximateAgeOfOldestMessage(&awscloudwatch.MetricOptions{Period: window(), Statistic: jsii.String("Maximum")}),
			Threshold:          jsii.Number(mailAgeSeconds),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(3),
			TreatMissingData:   awscloudwatch.TreatMissingData_IGNORE,
		})
	o.alarm(stack, sesBounceAlarm, fmt.Sprintf("The account's SES bounce rate is above %g%%; SES reviews the account at 5%% and may pause sending.", sesBounceRate*100),
		&awscloudwatch.AlarmProps{
			Metric:             sesMetric("Reputation.BounceRate", "Maximum", sesReputationPeriodHours),
			Threshold:          jsii.Number(sesBounceRate),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   awscloudwatch.TreatMissingData_IGNORE,
		})
	o.alarm(stack, sesComplaintAlarm, fmt.Sprintf("The account's SES complaint rate is above %g%%; SES reviews the account at 0.1%% and may pause sending.", sesComplaintRate*100),
		&awscloudwatch.AlarmProps{
			Metric:             sesMetric("Reputation.ComplaintRate", "Maximum", sesReputationPeriodHours),
			Threshold:          jsii.Number(sesComplaintRate),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   awscloudwatch.TreatMissingData_IGNORE,
		})
}

// sesMetric is an account-level SES metric (SES's reputation is the
// account's, whatever the configuration set).
func sesMetric(name, statistic string, periodHours float64) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:  jsii.String("AWS/SES"),
		MetricName: jsii.String(name),
		Statistic:  jsii.String(statistic),
		Period:     awscdk.Duration_Hours(jsii.Number(periodHours)),
	})
}

// ruleMetric is an EventBridge metric of rule.
func ruleMetric(rule awsevents.Rule, name string) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String("AWS/Events"),
		MetricName:    jsii.String(name),
		DimensionsMap: &map[string]*string{"RuleName": rule.RuleName()},
		Statistic:     jsii.String("Sum"),
		Period:        window(),
		Label:         jsii.String(*rule.Node().Id() + " " + name),
	})
}

// Dashboard layout: widgets of a third of the 24-column grid.
const (
	widgetWidth  = 8
	widgetHeight = 6
)

// graph is a dashboard graph of metrics.
func graph(title string, metrics ...awscloudwatch.IMetric) awscloudwatch.IWidget {
	return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title: jsii.String(title), Left: &metrics, Width: jsii.Number(widgetWidth), Height: jsii.Number(widgetHeight),
	})
}

// heading is a dashboard section's title.
func heading(text string) awscloudwatch.IWidget {
	return awscloudwatch.NewTextWidget(&awscloudwatch.TextWidgetProps{
		Markdown: jsii.String("## " + text), Width: jsii.Number(3 * widgetWidth), Height: jsii.Number(1),
	})
}

// functionGraphs are a function's invocations, errors and throttles, and
// its duration.
func functionGraphs(title string, fn awslambda.Function) []awscloudwatch.IWidget {
	sum := &awscloudwatch.MetricOptions{Period: window(), Statistic: jsii.String("Sum")}
	return []awscloudwatch.IWidget{
		graph(title+": invocations, errors, throttles", fn.MetricInvocations(sum), fn.MetricErrors(sum), fn.MetricThrottles(sum)),
		graph(title+": duration (p50, p99, max)",
			fn.MetricDuration(&awscloudwatch.MetricOptions{Period: window(), Statistic: jsii.String("p50")}),
			fn.MetricDuration(&awscloudwatch.MetricOptions{Period: window(), Statistic: jsii.String("p99")}),
			fn.MetricDuration(&awscloudwatch.MetricOptions{Period: window(), Statistic: jsii.String("Maximum")})),
	}
}

// queueGraph is a queue's depth and the age of its oldest message.
func queueGraph(title string, q awssqs.IQueue) awscloudwatch.IWidget {
	peak := &awscloudwatch.MetricOptions{Period: window(), Statistic: jsii.String("Maximum")}
	return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title:  jsii.String(title),
		Left:   &[]awscloudwatch.IMetric{q.MetricApproximateNumberOfMessagesVisible(peak), q.MetricApproximateNumberOfMessagesNotVisible(peak)},
		Right:  &[]awscloudwatch.IMetric{q.MetricApproximateAgeOfOldestMessage(peak)},
		Width:  jsii.Number(widgetWidth),
		Height: jsii.Number(widgetHeight),
	})
}

// function returns the function called name of props, panicking when the
// stack has none (the dashboard names its flows' functions).
func (p *OperationsProps) function(name string) awslambda.Function {
	fn, ok := p.Functions[name]
	if !ok {
		panic("operations: no function " + name + " for the dashboard")
	}
	return fn
}

// newDashboard declares the dashboard of the flows, a section each: API,
// mail, imports, reports, reminders, and the dead letters of all of them.
func (o *Operations) newDashboard(stack awscdk.Stack, props *OperationsProps, deadLetters map[string]awssqs.IQueue) awscloudwatch.Dashboard {
	sum := &awscloudwatch.MetricOptions{Period: window(), Statistic: jsii.String("Sum")}
	stage := props.APIStage
	mailer := props.function(httpapi.FunctionMailer)
	reports := props.function(httpapi.FunctionReports)
	reminders := props.function(httpapi.FunctionReminders)

	var rows []*[]awscloudwatch.IWidget
	row := func(ws ...awscloudwatch.IWidget) { rows = append(rows, &ws) }

	row(heading("API"))
	row(
		graph("API requests", stage.MetricCount(sum)),
		graph("API 4xx and 5xx", stage.MetricClientError(sum), stage.MetricServerError(sum)),
		graph("API latency (p50, p99) and integration p99",
			stage.MetricLatency(&awscloudwatch.MetricOptions{Period: window(), Statistic: jsii.String("p50")}),
			stage.MetricLatency(&awscloudwatch.MetricOptions{Period: window(), Statistic: jsii.String("p99")}),
			stage.MetricIntegrationLatency(&awscloudwatch.MetricOptions{Period: window(), Statistic: jsii.String("p99")})),
	)

	row(heading("Mail"))
	sesHour := func(name string) awscloudwatch.IMetric { return sesMetric(name, "Sum", 1) }
	row(
		queueGraph("Mail queue: depth and oldest message age (s)", props.Queues[resources.MailQueue.Name]),
		functionGraphs("Mailer", mailer)[0],
		graph("SES sends, deliveries, bounces, complaints (per hour)", sesHour("Send"), sesHour("Delivery"), sesHour("Bounce"), sesHour("Complaint")),
	)
	row(
		graph("SES reputation: bounce and complaint rates",
			sesMetric("Reputation.BounceRate", "Maximum", sesReputationPeriodHours),
			sesMetric("Reputation.ComplaintRate", "Maximum", sesReputationPeriodHours)),
		queueGraph("Feedback queue (bounces and complaints)", props.Queues[resources.FeedbackQueue.Name]),
		queueGraph("Messaging plan queue", props.Queues[resources.PlanQueue.Name]),
	)

	row(heading("Imports"))
	row(append(functionGraphs("Invitation import", props.function(httpapi.FunctionInvitationImport)),
		graph("Failed asynchronous invocations (imports, reminders, daily reports, activity)",
			o.AsyncFailures.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: window(), Statistic: jsii.String("Maximum")})))...)

	row(heading("Reports"))
	reportWidgets := []awscloudwatch.IWidget{queueGraph("Report queue: builds waiting, oldest age (s)", props.Queues[resources.ReportQueue.Name])}
	reportWidgets = append(reportWidgets, functionGraphs("Reports builder", reports)...)
	row(reportWidgets...)

	row(heading("Reminders and scheduled runs"))
	var ruleMetrics []awscloudwatch.IMetric
	for _, fn := range []awslambda.Function{reminders, reports, props.function(httpapi.FunctionActivity)} {
		for _, rule := range rulesOf(fn) {
			ruleMetrics = append(ruleMetrics, ruleMetric(rule, "Invocations"), ruleMetric(rule, "FailedInvocations"))
		}
	}
	remindersWidgets := []awscloudwatch.IWidget{graph("EventBridge rules: invocations and failed deliveries", ruleMetrics...)}
	remindersWidgets = append(remindersWidgets, functionGraphs("Reminders", reminders)...)
	row(remindersWidgets...)

	row(heading("Dead letters and failures"))
	var dl []awscloudwatch.IMetric
	for _, name := range slices.Sorted(maps.Keys(deadLetters)) {
		dl = append(dl, deadLetters[name].MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
			Period: window(), Statistic: jsii.String("Maximum"), Label: jsii.String(name),
		}))
	}
	var errs []awscloudwatch.IMetric
	for _, name := range slices.Sorted(maps.Keys(props.Functions)) {
		errs = append(errs, props.Functions[name].MetricErrors(&awscloudwatch.MetricOptions{
			Period: window(), Statistic: jsii.String("Sum"), Label: jsii.String(name),
		}))
	}
	row(graph("Dead-letter queues: messages waiting", dl...), graph("Function errors", errs...),
		awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
			Title: jsii.String("Alarms"), Alarms: o.alarmList(), Width: jsii.Number(widgetWidth), Height: jsii.Number(widgetHeight),
		}))

	return awscloudwatch.NewDashboard(o.scope, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName:   jsii.String(*stack.StackName() + "-operations"),
		DefaultInterval: awscdk.Duration_Days(jsii.Number(1)),
		Widgets:         &rows,
	})
}

// alarmList is every alarm, by name.
func (o *Operations) alarmList() *[]awscloudwatch.IAlarm {
	var out []awscloudwatch.IAlarm
	for _, suffix := range slices.Sorted(maps.Keys(o.Alarms)) {
		out = append(out, o.Alarms[suffix])
	}
	return &out
}
