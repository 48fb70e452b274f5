// Command infra is the AWS CDK app of the back office: one stack per stage,
// BackOffice-<stage>, configured by infra/stages/<stage>.json and CDK
// context values (see Config), and checked by cdk-nag's AWS Solutions
// rules. `make synth` and `make deploy STAGE=...` run it through the CDK CLI
// (see cdk.json at the repo top), from the repo top, after `make build` has
// built the functions' binaries.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()

	app := awscdk.NewApp(nil)
	cfg, err := LoadConfig(app, DefaultStagesDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		jsii.Close()
		os.Exit(1)
	}
	applyNag(app)
	NewBackOfficeStack(app, cfg.StackName(), &BackOfficeStackProps{StackProps: cfg.StackProps(), Config: cfg})
	app.Synth(nil)
}
