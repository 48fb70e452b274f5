package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readRepoFile reads a file of the repository by its path from the top.
func readRepoFile(path string) (string, error) {
	b, err := os.ReadFile(filepath.Join("..", path))
	return string(b), err
}

func TestRunbookExplainsEveryAlarm(t *testing.T) {
	// GIVEN the runbook
	raw, err := readRepoFile("docs/runbook.md")
	if err != nil {
		t.Fatal(err)
	}
	// WHEN the alarms' names are listed
	s := synth(t)
	// THEN each kind of alarm has a section named after its suffix
	for _, r := range s.resources("AWS::CloudWatch::Alarm") {
		name := s.alarmKind(r)
		kind := name
		// Every function is alike; every dead-letter queue has a row of its own.
		for _, prefix := range []string{"errors-", "throttles-"} {
			if strings.HasPrefix(name, prefix) {
				kind = prefix + "*"
			}
		}
		if !strings.Contains(raw, "`"+kind+"`") {
			t.Errorf("docs/runbook.md does not explain alarm %s (look for `%s`)", name, kind)
		}
	}
}
