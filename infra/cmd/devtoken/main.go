// Command devtoken prints a JWT that the local gateway of `make dev`
// accepts, for calling the API with curl:
//
//	make token EMAIL=ada@example.com GROUPS=platform-operators
//	go run ./infra/cmd/devtoken -email ada@example.com -groups platform-operators
//
// The token is signed (HS256) with DEV_JWT_SECRET, or with the public default
// "local-dev-secret-change-me" when it is unset (a warning says so on
// stderr); the gateway must use the same secret. Only the token goes to
// stdout, so TOKEN=$(make -s token EMAIL=...) works.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/learnops/backoffice/infra/local"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("devtoken", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the caller's email address (required)")
	groups := fs.String("groups", "", "comma-separated groups, such as platform-operators")
	sub := fs.String("sub", "", "the subject; by default a stable UUID derived from the email")
	verified := fs.Bool("verified", true, "whether the email is verified")
	ttl := fs.Duration("ttl", 12*time.Hour, "how long the token is valid")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if strings.TrimSpace(*email) == "" {
		fmt.Fprintln(stderr, "devtoken: -email is required (make token EMAIL=ada@example.com)")
		fs.Usage()
		return 2
	}

	secret, fromEnv := local.SecretFromEnv()
	if !fromEnv {
		fmt.Fprintf(stderr, "devtoken: warning: %s is unset; signing with the public default %q\n", local.SecretEnv, local.DefaultSecret)
	}
	var gs []string
	for _, g := range strings.Split(*groups, ",") {
		if g = strings.TrimSpace(g); g != "" {
			gs = append(gs, g)
		}
	}
	tok, err := local.MintToken(secret, local.TokenClaims{
		Subject: *sub, Email: strings.TrimSpace(*email), EmailVerified: *verified, Groups: gs,
	}, *ttl)
	if err != nil {
		fmt.Fprintln(stderr, "devtoken:", err)
		return 1
	}
	fmt.Fprintln(stdout, tok)
	return 0
}
