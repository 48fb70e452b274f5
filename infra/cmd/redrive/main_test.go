package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/learnops/backoffice/shared/app/resources"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

// useEmulator points the command's AWS configuration, read from the
// environment, at the emulator, and returns the tests' own.
func useEmulator(t *testing.T) aws.Config {
	cfg := emulatortest.Config(t)
	t.Setenv("AWS_ENDPOINT_URL", emulatortest.Endpoint(t))
	t.Setenv("AWS_REGION", cfg.Region)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_SESSION_TOKEN", "")
	return cfg
}

func TestRunMovesTheDeadLettersBack(t *testing.T) {
	// GIVEN a report queue whose dead-letter queue holds three builds, on the emulator
	cfg := useEmulator(t)
	client := sqs.NewFromConfig(cfg)
	url, dlqURL := emulatortest.NewQueue(t, cfg, resources.ReportQueue)
	for i := range 3 {
		if _, err := client.SendMessage(t.Context(), &sqs.SendMessageInput{QueueUrl: aws.String(dlqURL), MessageBody: aws.String(fmt.Sprint("build ", i))}); err != nil {
			t.Fatal(err)
		}
	}

	// WHEN the command is run with the dead-letter queue's URL
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{dlqURL}, &out, &errOut)

	// THEN it succeeds, says what it moved where, and reported progress
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if want := fmt.Sprintf("moved 3 messages from %s back to ", dlqURL); !strings.HasPrefix(out.String(), want) {
		t.Errorf("stdout %q, want it to start with %q", out.String(), want)
	}
	if !strings.Contains(errOut.String(), "3 of 3 messages moved") {
		t.Errorf("stderr %q: no progress", errOut.String())
	}
	// AND the builds are on the report queue
	got, err := client.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{"ApproximateNumberOfMessages"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := got.Attributes["ApproximateNumberOfMessages"]; n != "3" {
		t.Errorf("report queue holds %s messages, want 3", n)
	}
}

func TestRunRefusesBadInvocations(t *testing.T) {
	cfg := useEmulator(t)
	url, _ := emulatortest.NewQueue(t, cfg, resources.WorkQueue)
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		inStderr string
	}{
		{"no queue", nil, 2, "give one dead-letter queue"},
		{"two queues", []string{"a", "b"}, 2, "give one dead-letter queue"},
		{"a queue that does not exist", []string{"-queue", "no-such-dlq"}, 1, `"no-such-dlq"`},
		{"a queue that is no dead-letter queue", []string{url}, 1, "docs/runbook.md"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(t.Context(), tc.args, &out, &errOut); code != tc.code || !strings.Contains(errOut.String(), tc.inStderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut.String(), tc.code, tc.inStderr)
			}
			if out.Len() != 0 {
				t.Errorf("stdout %q, want nothing", out.String())
			}
		})
	}
}
