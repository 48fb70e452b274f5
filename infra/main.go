// Command infra is the AWS CDK app of the back office: one
// environment-agnostic stack, checked by cdk-nag's AWS Solutions rules.
// `make synth` runs it through the CDK CLI (see cdk.json at the repo top),
// from the repo top, after `make build` has built the functions' binaries.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()

	app := awscdk.NewApp(nil)
	applyNag(app)
	NewBackOfficeStack(app, "BackOffice", &BackOfficeStackProps{})
	app.Synth(nil)
}
