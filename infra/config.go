package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DefaultStage is the stage synthesised when no stage is named (`make
// synth`, `make test`): its settings file, stages/dev.json, holds example
// values, so that the synth needs no input and no AWS account.
const DefaultStage = "dev"

// StageContext is the CDK context key naming the stage: `cdk synth -c stage=prod`.
const StageContext = "stage"

// DefaultStagesDir is where the stages' settings files are, relative to the
// repo top where the CDK CLI runs the app.
const DefaultStagesDir = "infra/stages"

// Ways of signing administrators in (Config.SignIn).
const (
	// SignInCognito: the stack creates a Cognito user pool, its groups, a
	// hosted sign-in domain and the console's app client.
	SignInCognito = "cognito"
	// SignInOIDC: the stage names an OpenID Connect issuer of its own and the
	// audience of its ID tokens.
	SignInOIDC = "oidc"
)

// Config is everything that differs between deployments (stages) of the
// back office, in one place: read from infra/stages/<stage>.json and from
// CDK context values of the same names, which win (`cdk deploy -c
// stage=prod -c mailFrom=no-reply@learn.example.com`). A context value
// given on the command line is a string; lists are comma separated, tags a
// JSON object.
type Config struct {
	// Stage names the deployment: the stack is BackOffice-<Stage>. It comes
	// from the context value "stage", DefaultStage without one.
	Stage string `json:"-"`

	// Account and Region pin the stage to one AWS account and region; empty
	// means those of the credentials the CDK CLI runs with (your profile,
	// SSO session or environment), which it passes as CDK_DEFAULT_ACCOUNT
	// and CDK_DEFAULT_REGION.
	Account string `json:"account,omitempty"`
	Region  string `json:"region,omitempty"`
	// TerminationProtection defaults to on for every stage but dev.
	TerminationProtection *bool `json:"terminationProtection,omitempty"`
	// Tags are put on every resource, beside Project and Stage.
	Tags map[string]string `json:"tags,omitempty"`

	// SignIn is SignInCognito or SignInOIDC.
	SignIn string `json:"signIn,omitempty"`
	// CognitoDomainPrefix is the prefix of the hosted sign-in domain,
	// https://<prefix>.auth.<region>.amazoncognito.com (cognito only).
	CognitoDomainPrefix string `json:"cognitoDomainPrefix,omitempty"`
	// ConsoleCallbackURLs are more places the hosted sign-in may send an
	// admin console back to with its authorization code, beside the
	// deployed console's own (<console origin>/auth/callback), such as
	// http://localhost:5173/auth/callback (cognito only; optional).
	ConsoleCallbackURLs []string `json:"consoleCallbackUrls,omitempty"`
	// ConsoleLogoutURLs are more places sign-out may send a console back
	// to, beside the deployed console's own origin (cognito only; optional).
	ConsoleLogoutURLs []string `json:"consoleLogoutUrls,omitempty"`
	// OIDCIssuerURL is the issuer (iss) of the ID tokens the API accepts (oidc only).
	OIDCIssuerURL string `json:"oidcIssuerUrl,omitempty"`
	// OIDCAudience are the audiences (aud: the console's client id at the
	// issuer) the API accepts (oidc only).
	OIDCAudience []string `json:"oidcAudience,omitempty"`

	// MailDomain is the domain the stack makes an SES identity of (Easy
	// DKIM, custom MAIL FROM); every email is sent from an address on it.
	MailDomain string `json:"mailDomain,omitempty"`
	// MailFrom is the sender of every email, a bare address on MailDomain.
	MailFrom string `json:"mailFrom,omitempty"`
	// MailFromSubdomain is the custom MAIL FROM (bounce) domain's first
	// label: <MailFromSubdomain>.<MailDomain>; DefaultMailFromSubdomain
	// when empty.
	MailFromSubdomain string `json:"mailFromSubdomain,omitempty"`

	// LearnerAppURL is the learner app's base: program pages and invitation
	// links in emails point under it.
	LearnerAppURL string `json:"learnerAppUrl,omitempty"`
	// PublicBaseURL is the public base URL of this API, under which the
	// links to it in emails (unsubscribe) point. Empty means
	// https://<APIDomainName>.
	PublicBaseURL string `json:"publicBaseUrl,omitempty"`
	// APIDomainName is the API's custom domain (optional), such as
	// api.learn.example.com.
	APIDomainName string `json:"apiDomainName,omitempty"`
	// APICertificateARN is an ACM certificate of APIDomainName in the
	// stack's region; empty means the stack requests one, validated by DNS.
	APICertificateARN string `json:"apiCertificateArn,omitempty"`

	// ConsoleOrigin is the admin console's origin (https://host[:port]), the
	// only origin CORS lets call the API from a browser. Empty means the
	// origin the stack serves the console at: https://<ConsoleDomainName>,
	// else the CloudFront distribution's own https://<id>.cloudfront.net.
	// Set it only when the console is served from somewhere else.
	ConsoleOrigin string `json:"consoleOrigin,omitempty"`
	// ConsoleDomainName is the admin console's custom domain (optional),
	// such as console.learn.example.com, served by the console's
	// CloudFront distribution with ConsoleCertificateARN.
	ConsoleDomainName string `json:"consoleDomainName,omitempty"`
	// ConsoleCertificateARN is an ACM certificate of ConsoleDomainName in
	// us-east-1, the one region CloudFront takes certificates from
	// (required with ConsoleDomainName).
	ConsoleCertificateARN string `json:"consoleCertificateArn,omitempty"`

	// AlarmEmail, when set, is subscribed to the alarm topic (SNS sends it a
	// confirmation first); optional.
	AlarmEmail string `json:"alarmEmail,omitempty"`

	// ReminderHourUTC is the hour of Saturday the invitation reminders go
	// out at (the context value reminderHourUtc; see reminderHour).
	ReminderHourUTC *int `json:"reminderHourUtc,omitempty"`

	// AuditRetentionDays is how long audit log records are kept before the
	// table's TTL deletes them: 1 to MaxAuditRetentionDays, and
	// DefaultAuditRetentionDays when unset.
	AuditRetentionDays *int `json:"auditRetentionDays,omitempty"`
}

// Bounds of Config.AuditRetentionDays.
const (
	DefaultAuditRetentionDays = 400
	MaxAuditRetentionDays     = 3650
)

// AuditRetention returns the stage's audit retention in days.
func (c Config) AuditRetention() int {
	if c.AuditRetentionDays == nil {
		return DefaultAuditRetentionDays
	}
	return *c.AuditRetentionDays
}

// DefaultMailFromSubdomain is the first label of the custom MAIL FROM domain.
const DefaultMailFromSubdomain = "bounce"

// LoadConfig reads the configuration of the stage named by the context value
// "stage" (DefaultStage without one) from dir/<stage>.json, overlaid with
// the context values of the same names, and validates it. A stage without a
// file takes every setting from the context. It returns an error for a bad
// stage name, an unreadable file, an unknown setting or a value of the
// wrong type, and Validate's error naming every missing or invalid setting.
func LoadConfig(scope constructs.Construct, dir string) (Config, error) {
	stage := DefaultStage
	if v := scope.Node().TryGetContext(jsii.String(StageContext)); v != nil {
		s, ok := v.(string)
		if !ok {
			return Config{}, fmt.Errorf("context %s=%v: want a stage name", StageContext, v)
		}
		stage = s
	}
	if !stageName.MatchString(stage) {
		return Config{}, fmt.Errorf("stage %q: want lower-case letters, digits and hyphens, starting with a letter (at most 20)", stage)
	}

	settings := map[string]any{}
	path := filepath.Join(dir, stage+".json")
	raw, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		// Every setting comes from the context; Validate names the missing.
	case err != nil:
		return Config{}, fmt.Errorf("stage %s: %w", stage, err)
	default:
		if err := json.Unmarshal(raw, &settings); err != nil {
			return Config{}, fmt.Errorf("stage %s: %s: %w", stage, path, err)
		}
	}
	for name, kind := range settingKinds() {
		v := scope.Node().TryGetContext(jsii.String(name))
		if v == nil {
			continue
		}
		if s, ok := v.(string); ok && kind != reflect.String {
			parsed, err := parseSetting(s, kind)
			if err != nil {
				return Config{}, fmt.Errorf("stage %s: context %s=%q: %w", stage, name, s, err)
			}
			v = parsed
		}
		settings[name] = v
	}

	var c Config
	b, err := json.Marshal(settings)
	if err != nil {
		return Config{}, fmt.Errorf("stage %s: %w", stage, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("stage %s (%s and context): %w", stage, path, err)
	}
	c.Stage = stage
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("%w (set them in %s or with cdk -c name=value)", err, path)
	}
	return c, nil
}

// settingKinds are the settings' names (the JSON names of Config's fields)
// and the kinds of their values.
func settingKinds() map[string]reflect.Kind {
	kinds := map[string]reflect.Kind{}
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		typ := f.Type
		if typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		kinds[name] = typ.Kind()
	}
	return kinds
}

// parseSetting turns a command-line context string into a value of kind:
// comma-separated lists, booleans, whole numbers, and JSON objects.
func parseSetting(s string, kind reflect.Kind) (any, error) {
	switch kind {
	case reflect.Slice:
		var items []string
		for _, item := range strings.Split(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		return items, nil
	case reflect.Bool:
		return strconv.ParseBool(s)
	case reflect.Int:
		return strconv.Atoi(s)
	case reflect.Map:
		m := map[string]string{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			return nil, fmt.Errorf("want a JSON object of strings: %w", err)
		}
		return m, nil
	}
	return s, nil
}

var (
	stageName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,19}$`)
	// domainName is a DNS name of at least two labels, in lower case.
	domainName = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	// cognitoPrefix is what Cognito accepts as a domain prefix.
	cognitoPrefix = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	mailFromLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	acmARN        = regexp.MustCompile(`^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]+$`)
)

// Validate checks the configuration and returns one error naming every
// missing setting and every invalid one, or nil.
func (c Config) Validate() error {
	var missing, invalid []string
	need := func(name string, set bool) {
		if !set {
			missing = append(missing, name)
		}
	}
	bad := func(format string, args ...any) { invalid = append(invalid, fmt.Sprintf(format, args...)) }

	need("signIn", c.SignIn != "")
	switch c.SignIn {
	case "":
	case SignInCognito:
		need("cognitoDomainPrefix", c.CognitoDomainPrefix != "")
		if p := c.CognitoDomainPrefix; p != "" && (!cognitoPrefix.MatchString(p) || containsAny(p, "aws", "amazon", "cognito")) {
			bad("cognitoDomainPrefix %q: want lower-case letters, digits and hyphens, without aws, amazon or cognito", p)
		}
		for _, u := range append(slices.Clone(c.ConsoleCallbackURLs), c.ConsoleLogoutURLs...) {
			if err := checkURL(u, true); err != nil {
				bad("console callback or logout URL %q: %v", u, err)
			}
		}
	case SignInOIDC:
		need("oidcIssuerUrl", c.OIDCIssuerURL != "")
		need("oidcAudience", len(c.OIDCAudience) > 0)
		if c.OIDCIssuerURL != "" {
			if err := checkURL(c.OIDCIssuerURL, false); err != nil {
				bad("oidcIssuerUrl %q: %v", c.OIDCIssuerURL, err)
			}
		}
	default:
		bad("signIn %q: want %q or %q", c.SignIn, SignInCognito, SignInOIDC)
	}

	need("mailDomain", c.MailDomain != "")
	need("mailFrom", c.MailFrom != "")
	if c.MailDomain != "" && !domainName.MatchString(c.MailDomain) {
		bad("mailDomain %q: want a domain name in lower case, such as learn.example.com", c.MailDomain)
	}
	if c.MailFrom != "" {
		if err := checkSender(c.MailFrom, c.MailDomain); err != nil {
			bad("mailFrom %q: %v", c.MailFrom, err)
		}
	}
	if s := c.MailFromSubdomain; s != "" && !mailFromLabel.MatchString(s) {
		bad("mailFromSubdomain %q: want one DNS label, such as %s", s, DefaultMailFromSubdomain)
	}

	if c.AlarmEmail != "" && !emailPattern.MatchString(c.AlarmEmail) {
		bad("alarmEmail %q: want a bare email address such as ops@example.com", c.AlarmEmail)
	}

	need("learnerAppUrl", c.LearnerAppURL != "")
	if c.LearnerAppURL != "" {
		if err := checkURL(c.LearnerAppURL, false); err != nil {
			bad("learnerAppUrl %q: %v", c.LearnerAppURL, err)
		}
	}
	need("publicBaseUrl (or apiDomainName)", c.PublicBaseURL != "" || c.APIDomainName != "")
	if c.PublicBaseURL != "" {
		if err := checkURL(c.PublicBaseURL, false); err != nil {
			bad("publicBaseUrl %q: %v", c.PublicBaseURL, err)
		}
	}
	if c.APIDomainName != "" && !domainName.MatchString(c.APIDomainName) {
		bad("apiDomainName %q: want a domain name in lower case, such as api.learn.example.com", c.APIDomainName)
	}
	if c.APICertificateARN != "" {
		if c.APIDomainName == "" {
			bad("apiCertificateArn is set without apiDomainName")
		}
		if !acmARN.MatchString(c.APICertificateARN) {
			bad("apiCertificateArn %q: want an ACM certificate ARN", c.APICertificateARN)
		}
	}

	if c.ConsoleOrigin != "" {
		if err := checkOrigin(c.ConsoleOrigin); err != nil {
			bad("consoleOrigin %q: %v", c.ConsoleOrigin, err)
		} else if c.ConsoleDomainName != "" && strings.TrimRight(c.ConsoleOrigin, "/") != "https://"+c.ConsoleDomainName {
			bad("consoleOrigin %q is not https://%s, the consoleDomainName the stack serves the console at (leave consoleOrigin out)", c.ConsoleOrigin, c.ConsoleDomainName)
		}
	}
	if c.ConsoleDomainName != "" {
		need("consoleCertificateArn (with consoleDomainName)", c.ConsoleCertificateARN != "")
		if !domainName.MatchString(c.ConsoleDomainName) {
			bad("consoleDomainName %q: want a domain name in lower case, such as console.learn.example.com", c.ConsoleDomainName)
		}
	}
	if c.ConsoleCertificateARN != "" {
		if c.ConsoleDomainName == "" {
			bad("consoleCertificateArn is set without consoleDomainName")
		}
		if !acmARN.MatchString(c.ConsoleCertificateARN) || strings.Split(c.ConsoleCertificateARN, ":")[3] != "us-east-1" {
			bad("consoleCertificateArn %q: want an ACM certificate ARN in us-east-1 (CloudFront takes certificates from there only)", c.ConsoleCertificateARN)
		}
	}
	if h := c.ReminderHourUTC; h != nil && (*h < 0 || *h > 23) {
		bad("reminderHourUtc %d: want an hour from 0 to 23", *h)
	}
	if d := c.AuditRetentionDays; d != nil && (*d < 1 || *d > MaxAuditRetentionDays) {
		bad("auditRetentionDays %d: want a number of days from 1 to %d", *d, MaxAuditRetentionDays)
	}

	var msgs []string
	if len(missing) > 0 {
		msgs = append(msgs, "missing settings: "+strings.Join(missing, ", "))
	}
	if len(invalid) > 0 {
		msgs = append(msgs, "invalid settings: "+strings.Join(invalid, "; "))
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("stage %s: %s", c.Stage, strings.Join(msgs, "; "))
}

// checkURL accepts an https URL with a host and no query or fragment; with
// localhost, http://localhost too (a console run on a developer's machine).
func checkURL(s string, localhost bool) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	isLocal := localhost && u.Scheme == "http" && u.Hostname() == "localhost"
	switch {
	case u.Scheme != "https" && !isLocal:
		return errors.New("want an https URL")
	case u.Host == "":
		return errors.New("want a host")
	case u.RawQuery != "" || u.Fragment != "":
		return errors.New("want no query or fragment")
	}
	return nil
}

// checkOrigin accepts exactly an https origin: scheme, host and optional
// port, no path. "*" is refused: the API answers browsers of the console
// alone.
func checkOrigin(s string) error {
	if strings.Contains(s, "*") {
		return errors.New("want the console's one origin, never a wildcard")
	}
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if u.Scheme != "https" || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("want an origin such as https://console.learn.example.com (scheme and host, no path)")
	}
	return nil
}

// checkSender accepts a bare address (no display name) on domain or one of
// its subdomains, which the domain's SES identity verifies.
func checkSender(from, domain string) error {
	addr, err := mail.ParseAddress(from)
	if err != nil || addr.Name != "" || addr.Address != from {
		return errors.New("want a bare address such as no-reply@learn.example.com")
	}
	_, host, _ := strings.Cut(from, "@")
	host = strings.ToLower(host)
	if domain != "" && host != domain && !strings.HasSuffix(host, "."+domain) {
		return fmt.Errorf("not on mailDomain %s, whose SES identity is the only one the stack verifies", domain)
	}
	return nil
}

func containsAny(s string, subs ...string) bool {
	return slices.ContainsFunc(subs, func(sub string) bool { return strings.Contains(s, sub) })
}

// StackName is the stack's name (and construct ID): BackOffice-<stage>.
func (c Config) StackName() string { return "BackOffice-" + c.Stage }

// MailFromDomain is the custom MAIL FROM domain of the sending domain.
func (c Config) MailFromDomain() string {
	sub := c.MailFromSubdomain
	if sub == "" {
		sub = DefaultMailFromSubdomain
	}
	return sub + "." + c.MailDomain
}

// LinkBaseURL is the one base URL of every link to this API in emails:
// PublicBaseURL, else the custom domain's https URL.
func (c Config) LinkBaseURL() string {
	if c.PublicBaseURL != "" {
		return strings.TrimRight(c.PublicBaseURL, "/")
	}
	return "https://" + c.APIDomainName
}

// FixedConsoleOrigin is the admin console's origin when the stage settles
// it: ConsoleOrigin, else https://<ConsoleDomainName>. It is "" when the
// console is served at its CloudFront distribution's own domain, which
// only the deployment knows.
func (c Config) FixedConsoleOrigin() string {
	if c.ConsoleOrigin != "" {
		return strings.TrimRight(c.ConsoleOrigin, "/")
	}
	if c.ConsoleDomainName != "" {
		return "https://" + c.ConsoleDomainName
	}
	return ""
}

// StackProps are the stack's properties for the stage: its name,
// environment (Account and Region, else the CLI's CDK_DEFAULT_ACCOUNT and
// CDK_DEFAULT_REGION, else none: an environment-agnostic stack), and
// termination protection (on outside dev unless the stage says otherwise).
func (c Config) StackProps() awscdk.StackProps {
	account, region := c.Account, c.Region
	if account == "" {
		account = os.Getenv("CDK_DEFAULT_ACCOUNT")
	}
	if region == "" {
		region = os.Getenv("CDK_DEFAULT_REGION")
	}
	var env *awscdk.Environment
	if account != "" || region != "" {
		env = &awscdk.Environment{}
		if account != "" {
			env.Account = jsii.String(account)
		}
		if region != "" {
			env.Region = jsii.String(region)
		}
	}
	protect := c.Stage != DefaultStage
	if c.TerminationProtection != nil {
		protect = *c.TerminationProtection
	}
	return awscdk.StackProps{
		StackName:             jsii.String(c.StackName()),
		Tags:                  c.allTags(),
		Env:                   env,
		TerminationProtection: jsii.Bool(protect),
	}
}

// allTags are the stage's tags with Project and Stage.
func (c Config) allTags() *map[string]*string {
	tags := map[string]*string{"Project": jsii.String("backoffice"), "Stage": jsii.String(c.Stage)}
	for k, v := range c.Tags {
		tags[k] = jsii.String(v)
	}
	return &tags
}

// tagResources puts the stage's tags on every resource of the stack that
// takes tags (CloudFormation also gives the stack's tags to what it
// creates; these are in the template, where a diff shows them).
func (c Config) tagResources(stack awscdk.Stack) {
	for k, v := range *c.allTags() {
		awscdk.Tags_Of(stack).Add(jsii.String(k), v, nil)
	}
}
