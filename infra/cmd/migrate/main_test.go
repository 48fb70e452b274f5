package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

func TestMigrateCommand(t *testing.T) {
	ctx := context.Background()
	cfg := emulatortest.Config(t)
	table := emulatortest.NewTable(t, cfg)
	load := func(context.Context) (aws.Config, error) { return cfg, nil }
	getenv := func(name string) string { return map[string]string{"TABLE_NAME": table}[name] }
	cmd := func(args ...string) (int, string, string) {
		var out, errs bytes.Buffer
		code := run(ctx, args, getenv, load, &out, &errs)
		return code, out.String(), errs.String()
	}
	// Every migration the table knows, so that a new one is run here too.
	all := len(dynamo.NewMigrations(nil, table).Migrations())
	if all < 4 {
		t.Fatalf("%d migrations: 0001 to 0004 at least", all)
	}
	code, out, errs := cmd("-status")
	if code != 0 || strings.Count(out, " pending ") != all {
		t.Fatalf("status: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = cmd("-segments", "2", "-page", "10")
	if code != 0 || strings.Count(out, " done ") != all || !strings.Contains(errs, `"msg":"migration done"`) {
		t.Fatalf("run: %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = cmd("-status")
	if code != 0 || strings.Count(out, " done ") != all {
		t.Fatalf("status after: %d\n%s", code, out)
	}
	for _, bad := range [][]string{{"-segments", "0"}, {"-page", "5000"}, {"-log-level", "loud"}, {"-nope"}} {
		if code, _, errs := cmd(bad...); code != 2 || errs == "" {
			t.Errorf("%v: exit %d, %q", bad, code, errs)
		}
	}
	if code, _, errs := cmd("-only", "0042-nothing"); code != 1 || !strings.Contains(errs, "0001-program-index") {
		t.Errorf("an unknown migration: exit %d, %q", code, errs)
	}
	var errs2 bytes.Buffer
	if code := run(ctx, nil, func(string) string { return "" }, load, &bytes.Buffer{}, &errs2); code != 2 || !strings.Contains(errs2.String(), "TABLE_NAME") {
		t.Errorf("no table: exit %d, %q", code, errs2.String())
	}
}
