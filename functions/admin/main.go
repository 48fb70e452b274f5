// Command admin is the Lambda behind the admin routes of the HTTP API:
// health, organisations, admins, contracts, programs and catalogues.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/learnops/backoffice/shared/admin"
	"github.com/learnops/backoffice/shared/awsconfig"
	"github.com/learnops/backoffice/shared/dynamo"
	"github.com/learnops/backoffice/shared/env"
	"github.com/learnops/backoffice/shared/httpapi"
)

// config is the function's environment.
type config struct {
	Table         string
	LearnerAppURL string
	LogLevel      string
}

// loadConfig reads the environment; its error names every missing variable.
func loadConfig(vars *env.Reader) (config, error) {
	c := config{
		Table:         vars.Required("TABLE_NAME"),
		LearnerAppURL: vars.Required("LEARNER_APP_URL"),
		LogLevel:      vars.Optional("LOG_LEVEL", "info"),
	}
	return c, vars.Err()
}

// newHandler wires the store, the service and the HTTP adapter.
func newHandler(awsCfg aws.Config, c config, logger *slog.Logger) httpapi.Handler {
	store := dynamo.NewStore(dynamodb.NewFromConfig(awsCfg), c.Table)
	svc := admin.NewService(store, admin.Config{LearnerAppURL: c.LearnerAppURL})
	return httpapi.NewAdminHandler(svc, store, logger)
}

func main() {
	c, err := loadConfig(env.New())
	logger := env.Logger(c.LogLevel)
	if err != nil {
		logger.Error("configuration", slog.String("error", err.Error()))
		os.Exit(1)
	}
	awsCfg, err := awsconfig.Load(context.Background())
	if err != nil {
		logger.Error("aws configuration", slog.String("error", err.Error()))
		os.Exit(1)
	}
	lambda.Start(newHandler(awsCfg, c, logger))
}
