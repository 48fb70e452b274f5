package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"

	"github.com/learnops/backoffice/shared/adapters/httpapi"
	bo "github.com/learnops/backoffice/shared/backoffice"
)

// otherStage is a second stage synthesised beside the default one (see
// synthesise): sign-in by the stage's own OIDC issuer, and links under a
// public base URL without a custom domain.
var otherStage = Config{
	Stage:         "qa",
	SignIn:        SignInOIDC,
	OIDCIssuerURL: "https://login.example.org/oauth2/qa",
	OIDCAudience:  []string{"console-qa"},
	MailDomain:    "qa.learn.example.org",
	MailFrom:      "learning@mail.qa.learn.example.org",
	LearnerAppURL: "https://qa.learn.example.org",
	PublicBaseURL: "https://edge.qa.learn.example.org/",
	ConsoleOrigin: "https://console.qa.learn.example.org",
	// The console on a custom domain (its certificate in us-east-1).
	ConsoleDomainName:     "console.qa.learn.example.org",
	ConsoleCertificateARN: "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012",
}

// loadConfig runs LoadConfig on stages in dir with the context values.
func loadConfig(t *testing.T, dir string, context map[string]any) (Config, error) {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{Context: &context})
	return LoadConfig(app, dir)
}

func writeStage(t *testing.T, dir, stage, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, stage+".json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestMissingSettingsFailNamingEachOne(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		file    string // "" for no file
		context map[string]any
		missing []string
	}{
		{"no file, no context", "", nil,
			[]string{"signIn", "mailDomain", "mailFrom", "learnerAppUrl", "publicBaseUrl (or apiDomainName)"}},
		{"cognito without its settings", `{"signIn": "cognito", "mailDomain": "x.org", "mailFrom": "a@x.org", "consoleDomainName": "c.x.org"}`, nil,
			[]string{"cognitoDomainPrefix", "learnerAppUrl", "publicBaseUrl (or apiDomainName)", "consoleCertificateArn (with consoleDomainName)"}},
		{"oidc without issuer and audience", `{"signIn": "oidc"}`, map[string]any{"consoleOrigin": "https://c.x.org"},
			[]string{"oidcIssuerUrl", "oidcAudience", "mailDomain", "mailFrom", "learnerAppUrl", "publicBaseUrl (or apiDomainName)"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stage := "s" + string(rune('a'+i))
			if tt.file != "" {
				writeStage(t, dir, stage, tt.file)
			}
			ctx := map[string]any{StageContext: stage}
			for k, v := range tt.context {
				ctx[k] = v
			}
			_, err := loadConfig(t, dir, ctx)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			_, list, ok := strings.Cut(msg, "missing settings: ")
			if !ok {
				t.Fatalf("error %q names no missing settings", msg)
			}
			list, _, _ = strings.Cut(list, " (set them")
			list, _, _ = strings.Cut(list, "; invalid")
			if got := strings.Split(list, ", "); !slices.Equal(got, tt.missing) {
				t.Errorf("missing: got %q, want %q", got, tt.missing)
			}
			if !strings.Contains(msg, "stage "+stage) || !strings.Contains(msg, filepath.Join(dir, stage+".json")) {
				t.Errorf("error %q names neither the stage nor its file", msg)
			}
		})
	}

	// AND the stack itself refuses a configuration with settings missing,
	// before declaring anything
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "missing settings: signIn") {
			t.Errorf("NewBackOfficeStack without settings: panic %v", r)
		}
	}()
	NewBackOfficeStack(awscdk.NewApp(nil), "Empty", &BackOfficeStackProps{})
}

func TestInvalidSettingsFailTheSynth(t *testing.T) {
	valid := otherStage
	tests := []struct {
		name   string
		change func(c *Config)
		want   string
	}{
		{"sender on another domain", func(c *Config) { c.MailFrom = "no-reply@example.com" }, "mailFrom \"no-reply@example.com\": not on mailDomain qa.learn.example.org"},
		{"sender on a look-alike domain", func(c *Config) { c.MailFrom = "a@evilqa.learn.example.org" }, "not on mailDomain"},
		{"sender with a display name", func(c *Config) { c.MailFrom = "Learning <a@qa.learn.example.org>" }, "want a bare address"},
		{"CORS for everyone", func(c *Config) { c.ConsoleOrigin = "*" }, "never a wildcard"},
		{"CORS for a wildcard subdomain", func(c *Config) { c.ConsoleOrigin = "https://*.example.org" }, "never a wildcard"},
		{"origin with a path", func(c *Config) { c.ConsoleOrigin = "https://console.example.org/app" }, "no path"},
		{"origin over http", func(c *Config) { c.ConsoleOrigin = "http://console.example.org" }, "want an origin"},
		{"unknown sign-in", func(c *Config) { c.SignIn = "saml" }, `signIn "saml"`},
		{"issuer over http", func(c *Config) { c.OIDCIssuerURL = "http://login.example.org" }, "oidcIssuerUrl"},
		{"certificate without domain", func(c *Config) {
			c.APICertificateARN = "arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012"
		}, "apiCertificateArn is set without apiDomainName"},
		{"learner app over http", func(c *Config) { c.LearnerAppURL = "http://learn.example.org" }, "learnerAppUrl"},
		{"console certificate outside us-east-1", func(c *Config) {
			c.ConsoleCertificateARN = "arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012"
		}, "want an ACM certificate ARN in us-east-1"},
		{"console certificate without domain", func(c *Config) { c.ConsoleDomainName, c.ConsoleOrigin = "", "" }, "consoleCertificateArn is set without consoleDomainName"},
		{"console domain in capitals", func(c *Config) { c.ConsoleDomainName, c.ConsoleOrigin = "Console.example.org", "" }, "consoleDomainName"},
		{"console origin elsewhere than its domain", func(c *Config) { c.ConsoleOrigin = "https://admin.example.org" }, "not https://console.qa.learn.example.org"},
		{"reminder hour 24", func(c *Config) { h := 24; c.ReminderHourUTC = &h }, "reminderHourUtc 24"},
		{"no audit retention", func(c *Config) { d := 0; c.AuditRetentionDays = &d }, "auditRetentionDays 0"},
		{"audit retention over ten years", func(c *Config) { d := MaxAuditRetentionDays + 1; c.AuditRetentionDays = &d }, "auditRetentionDays 3651"},
		{"cognito prefix with aws", func(c *Config) {
			c.SignIn, c.CognitoDomainPrefix, c.ConsoleCallbackURLs = SignInCognito, "my-aws-login", []string{"https://c.example.org/cb"}
		}, "cognitoDomainPrefix"},
	}
	if err := valid.Validate(); err != nil {
		t.Fatalf("the valid configuration: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid
			tt.change(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), "invalid settings: ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one with %q", err, tt.want)
			}
		})
	}
}

func TestSettingsComeFromTheStageFileAndContext(t *testing.T) {
	dir := t.TempDir()
	writeStage(t, dir, "staging", `{
		"signIn": "oidc", "oidcIssuerUrl": "https://login.example.org", "oidcAudience": ["file-client"],
		"mailDomain": "example.org", "mailFrom": "a@example.org", "learnerAppUrl": "https://learn.example.org",
		"apiDomainName": "api.example.org", "consoleOrigin": "https://console.example.org", "terminationProtection": true
	}`)

	// GIVEN the file WHEN the command line adds and overrides settings (as strings)
	c, err := loadConfig(t, dir, map[string]any{
		StageContext: "staging", "oidcAudience": "a-client, b-client", "terminationProtection": "false",
		"reminderHourUtc": "7", "tags": `{"CostCenter":"42"}`, "mailFrom": "b@example.org", "auditRetentionDays": "730",
	})
	if err != nil {
		t.Fatal(err)
	}
	// THEN the context wins, typed
	if !slices.Equal(c.OIDCAudience, []string{"a-client", "b-client"}) || c.MailFrom != "b@example.org" ||
		c.TerminationProtection == nil || *c.TerminationProtection || c.ReminderHourUTC == nil || *c.ReminderHourUTC != 7 ||
		c.Tags["CostCenter"] != "42" || c.Stage != "staging" || c.AuditRetention() != 730 {
		t.Errorf("config %+v", c)
	}
	// AND the file's other settings stay, the link base is the custom domain
	if c.OIDCIssuerURL != "https://login.example.org" || c.LinkBaseURL() != "https://api.example.org" {
		t.Errorf("config %+v, link base %s", c, c.LinkBaseURL())
	}

	// AND a misspelt setting in the file, a bad stage name and a badly typed
	// value fail, naming it
	writeStage(t, dir, "typo", `{"mailForm": "a@example.org"}`)
	for _, tt := range []struct {
		ctx  map[string]any
		want string
	}{
		{map[string]any{StageContext: "typo"}, `unknown field "mailForm"`},
		{map[string]any{StageContext: "Prod!"}, `stage "Prod!"`},
		{map[string]any{StageContext: "staging", "reminderHourUtc": "nine"}, "reminderHourUtc"},
	} {
		if _, err := loadConfig(t, dir, tt.ctx); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("context %v: error %v, want %q", tt.ctx, err, tt.want)
		}
	}
}

func TestTheExampleStagesAreComplete(t *testing.T) {
	// GIVEN every settings file of the repo (the README's example among them)
	files, err := filepath.Glob("stages/*.json")
	if err != nil || len(files) < 2 {
		t.Fatalf("stage files %v: %v", files, err)
	}
	for _, f := range files {
		stage := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(stage, func(t *testing.T) {
			// WHEN it is loaded with no context but its name THEN it is valid
			c, err := loadConfig(t, "stages", map[string]any{StageContext: stage})
			if err != nil {
				t.Fatal(err)
			}
			// AND its stack is BackOffice-<stage>, protected outside dev, and
			// in the account and region of the CLI's credentials
			t.Setenv("CDK_DEFAULT_ACCOUNT", "123456789012")
			t.Setenv("CDK_DEFAULT_REGION", "eu-central-1")
			props := c.StackProps()
			if *props.StackName != "BackOffice-"+stage || *props.TerminationProtection != (stage != DefaultStage) {
				t.Errorf("stack %s, termination protection %v", *props.StackName, *props.TerminationProtection)
			}
			if c.Account == "" && (props.Env == nil || *props.Env.Account != "123456789012") {
				t.Errorf("env %+v, want the CLI's account", props.Env)
			}
			if c.Region == "" && (props.Env == nil || *props.Env.Region != "eu-central-1") {
				t.Errorf("env %+v, want the CLI's region", props.Env)
			}
			if got := *(*props.Tags)["Stage"]; got != stage {
				t.Errorf("Stage tag %q", got)
			}
		})
	}
	// AND without credentials (make synth offline) the stack is environment-agnostic
	t.Setenv("CDK_DEFAULT_ACCOUNT", "")
	t.Setenv("CDK_DEFAULT_REGION", "")
	if env := otherStage.StackProps().Env; env != nil {
		t.Errorf("env %+v, want none", env)
	}
}

func TestTwoStagesAreIndependentStacks(t *testing.T) {
	// GIVEN two stages in one app
	s := synth(t)
	other := *assertions.Template_FromStack(s.other, nil).ToJSON()
	templates := map[string]map[string]any{*s.stack.StackName(): s.template, *s.other.StackName(): other}

	// THEN they are two stacks named after their stages
	if got := slices.Sorted(func(yield func(string) bool) {
		for name := range templates {
			if !yield(name) {
				return
			}
		}
	}); !slices.Equal(got, []string{"BackOffice-dev", "BackOffice-qa"}) {
		t.Fatalf("stacks %v", got)
	}
	if *s.stack.TerminationProtection() || !*s.other.TerminationProtection() {
		t.Error("termination protection: want off for dev, on for qa")
	}
	// AND neither exports nor imports anything, nor takes a parameter
	for name, tpl := range templates {
		if strings.Contains(render(tpl, nil), "Fn::ImportValue") || get(tpl, "Outputs") == nil {
			t.Errorf("%s imports a value or has no outputs", name)
		}
		for id, o := range get(tpl, "Outputs").(map[string]any) {
			if get(o, "Export") != nil {
				t.Errorf("%s exports %s", name, id)
			}
		}
		for p := range get(tpl, "Parameters").(map[string]any) {
			if p != "BootstrapVersion" {
				t.Errorf("%s has the parameter %s: settings come from the stage, not the deployment", name, p)
			}
		}
	}
	// AND the names they give resources differ
	for _, typ := range []string{"AWS::ApiGatewayV2::Api"} {
		var names []string
		for _, tpl := range templates {
			for _, r := range (&synthesis{template: tpl}).resources(typ) {
				names = append(names, render(get(r, "Properties", "Name"), nil))
			}
		}
		if len(names) != 2 || names[0] == names[1] {
			t.Errorf("%s names %v", typ, names)
		}
	}
	// AND every resource carries its stage's tag
	for stage, tpl := range map[string]map[string]any{"dev": s.template, "qa": other} {
		table := (&synthesis{template: tpl}).resources("AWS::DynamoDB::GlobalTable")
		for _, r := range table {
			if !strings.Contains(render(get(r, "Properties", "Replicas"), nil), `"Key":"Stage","Value":"`+stage+`"`) {
				t.Errorf("the %s table has no Stage=%s tag", stage, stage)
			}
		}
	}
}

func TestSignInIsTheUserPoolsIDTokens(t *testing.T) {
	// GIVEN the dev stage, which signs in with a user pool of its own
	s := synth(t)
	pools := s.resources("AWS::Cognito::UserPool")
	if len(pools) != 1 {
		t.Fatalf("user pools: %d, want 1", len(pools))
	}
	var poolID string
	for id, p := range pools {
		poolID = id
		props := get(p, "Properties")
		// THEN email is the user name, verified by Cognito; MFA for all; no self sign-up
		for _, check := range []struct {
			path []any
			want string
		}{
			{[]any{"UsernameAttributes"}, `["email"]`},
			{[]any{"AutoVerifiedAttributes"}, `["email"]`},
			{[]any{"MfaConfiguration"}, "ON"},
			{[]any{"AdminCreateUserConfig", "AllowAdminCreateUserOnly"}, "true"},
			{[]any{"UserAttributeUpdateSettings", "AttributesRequireVerificationBeforeUpdate"}, `["email"]`},
			{[]any{"DeletionProtection"}, "ACTIVE"},
		} {
			if got := render(get(props, check.path...), nil); got != check.want {
				t.Errorf("%v: got %s, want %s", check.path, got, check.want)
			}
		}
	}
	// AND the platform-operators group the handlers recognise
	var groups []string
	for _, g := range s.resources("AWS::Cognito::UserPoolGroup") {
		if slices.Equal(refs(get(g, "Properties", "UserPoolId")), []string{poolID}) {
			groups = append(groups, render(get(g, "Properties", "GroupName"), nil))
		}
	}
	if !slices.Equal(groups, []string{bo.GroupPlatformOperators}) {
		t.Errorf("groups %v, want [%s]", groups, bo.GroupPlatformOperators)
	}
	// AND the hosted domain of the stage's prefix
	domains := s.resources("AWS::Cognito::UserPoolDomain")
	if len(domains) != 1 {
		t.Fatalf("domains: %d", len(domains))
	}
	for _, d := range domains {
		if get(d, "Properties", "Domain") != s.cfg.CognitoDomainPrefix || !slices.Equal(refs(get(d, "Properties", "UserPoolId")), []string{poolID}) {
			t.Errorf("domain %v", get(d, "Properties"))
		}
	}
	// AND one app client: the console's, public (no secret), code flow only
	// (with PKCE), back to the deployed console and the stage's other URLs
	clients := s.resources("AWS::Cognito::UserPoolClient")
	if len(clients) != 1 {
		t.Fatalf("clients: %d", len(clients))
	}
	var clientID string
	for id, c := range clients {
		clientID = id
		props := get(c, "Properties")
		for field, want := range map[string]string{
			"GenerateSecret":                  "false",
			"AllowedOAuthFlows":               `["code"]`,
			"AllowedOAuthFlowsUserPoolClient": "true",
			"SupportedIdentityProviders":      `["COGNITO"]`,
			"PreventUserExistenceErrors":      "ENABLED",
		} {
			if got := render(get(props, field), nil); got != want {
				t.Errorf("client %s: got %s, want %s", field, got, want)
			}
		}
		for field, want := range map[string][]string{
			"CallbackURLs": append([]string{s.consoleOrigin(t) + consoleCallbackPath}, s.cfg.ConsoleCallbackURLs...),
			"LogoutURLs":   append([]string{s.consoleOrigin(t) + "/"}, s.cfg.ConsoleLogoutURLs...),
		} {
			if got := renderAll(get(props, field)); !slices.Equal(got, want) {
				t.Errorf("client %s: got %q, want %q", field, got, want)
			}
		}
		if flows := render(get(props, "ExplicitAuthFlows"), nil); strings.Contains(flows, "PASSWORD") || strings.Contains(flows, "SRP") {
			t.Errorf("client auth flows %s: want the hosted sign-in only", flows)
		}
		if scopes := render(get(props, "AllowedOAuthScopes"), nil); !strings.Contains(scopes, `"openid"`) || !strings.Contains(scopes, `"email"`) {
			t.Errorf("scopes %s: want openid and email (the ID token's email claims)", scopes)
		}
	}
	// AND the authorizer takes that pool's ID tokens: iss the pool, aud the client
	jwt := s.authorizer(t, s.template)
	if got, want := render(get(jwt, "Issuer"), map[string]string{poolID: "UserPool"}), "https://cognito-idp.${AWS::Region}.${AWS::URLSuffix}/${UserPool}"; got != want {
		t.Errorf("issuer %s, want %s", got, want)
	}
	if aud := list(get(jwt, "Audience")); len(aud) != 1 || !slices.Equal(refs(aud), []string{clientID}) {
		t.Errorf("audience %v, want the console client %s alone", aud, clientID)
	}
}

// authorizer is the JwtConfiguration of the one authorizer of the template.
func (s *synthesis) authorizer(t *testing.T, template map[string]any) any {
	t.Helper()
	authorizers := (&synthesis{template: template}).resources("AWS::ApiGatewayV2::Authorizer")
	if len(authorizers) != 1 {
		t.Fatalf("authorizers: %d, want 1", len(authorizers))
	}
	for _, a := range authorizers {
		return get(a, "Properties", "JwtConfiguration")
	}
	return nil
}

func TestSignInByTheStagesOwnIssuer(t *testing.T) {
	// GIVEN the qa stage, which names its own OIDC issuer
	s := synth(t)
	other := *assertions.Template_FromStack(s.other, nil).ToJSON()
	o := &synthesis{template: other}
	// THEN it has no user pool
	for _, typ := range []string{"AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolDomain"} {
		if n := len(o.resources(typ)); n != 0 {
			t.Errorf("%d %s", n, typ)
		}
	}
	// AND the authorizer takes the issuer's tokens for the stage's audience
	jwt := s.authorizer(t, other)
	if get(jwt, "Issuer") != otherStage.OIDCIssuerURL || render(get(jwt, "Audience"), nil) != `["console-qa"]` {
		t.Errorf("authorizer %v", jwt)
	}
	// AND links to the API are built from its public base URL
	for _, fn := range o.resources("AWS::Lambda::Function") {
		if v := get(fn, "Properties", "Environment", "Variables", "PUBLIC_BASE_URL"); v != nil && v != "https://edge.qa.learn.example.org" {
			t.Errorf("PUBLIC_BASE_URL %v", v)
		}
	}
	// AND it has no custom domain
	for _, typ := range []string{"AWS::ApiGatewayV2::DomainName", "AWS::ApiGatewayV2::ApiMapping", "AWS::CertificateManager::Certificate"} {
		if n := len(o.resources(typ)); n != 0 {
			t.Errorf("%d %s", n, typ)
		}
	}
}

func TestSendingDomainWithDKIMAndMailFrom(t *testing.T) {
	// GIVEN the dev stage's mail domain
	s := synth(t)
	identities := s.resources("AWS::SES::EmailIdentity")
	if len(identities) != 1 {
		t.Fatalf("identities: %d, want 1", len(identities))
	}
	configSetID := s.logicalID(t, "MailConfigurationSet")
	var identityID string
	for id, r := range identities {
		identityID = id
		props := get(r, "Properties")
		// THEN the identity is the domain, with Easy DKIM and the custom MAIL FROM
		for _, check := range []struct {
			path []any
			want any
		}{
			{[]any{"EmailIdentity"}, s.cfg.MailDomain},
			{[]any{"DkimAttributes", "SigningEnabled"}, true},
			{[]any{"DkimSigningAttributes", "NextSigningKeyLength"}, "RSA_2048_BIT"},
			{[]any{"MailFromAttributes", "MailFromDomain"}, "bounce." + s.cfg.MailDomain},
			{[]any{"MailFromAttributes", "BehaviorOnMxFailure"}, "USE_DEFAULT_VALUE"},
		} {
			if got := get(props, check.path...); got != check.want {
				t.Errorf("%v: got %v, want %v", check.path, got, check.want)
			}
		}
		// AND sends under the configuration set by default
		if got := refs(get(props, "ConfigurationSetAttributes", "ConfigurationSetName")); !slices.Equal(got, []string{configSetID}) {
			t.Errorf("configuration set %v, want %s", got, configSetID)
		}
	}
	// AND the records to publish are outputs: three DKIM CNAMEs of the
	// identity, the MAIL FROM MX and SPF, and DMARC
	outputs := get(s.template, "Outputs").(map[string]any)
	for i := 1; i <= 3; i++ {
		value := render(get(outputs, "DnsDkim"+string(rune('0'+i)), "Value"), map[string]string{identityID: "Identity"})
		want := "${Identity.DkimDNSTokenName" + string(rune('0'+i)) + "} CNAME ${Identity.DkimDNSTokenValue" + string(rune('0'+i)) + "}"
		if value != want {
			t.Errorf("DnsDkim%d: %s, want %s", i, value, want)
		}
	}
	for id, want := range map[string]string{
		"DnsMailFromMx":  "bounce." + s.cfg.MailDomain + " MX 10 feedback-smtp.${AWS::Region}.amazonses.com",
		"DnsMailFromSpf": "bounce." + s.cfg.MailDomain + ` TXT "v=spf1 include:amazonses.com ~all"`,
	} {
		if got := render(get(outputs, id, "Value"), nil); got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
	if !strings.HasPrefix(render(get(outputs, "DnsDmarc", "Value"), nil), "_dmarc."+s.cfg.MailDomain+` TXT "v=DMARC1;`) {
		t.Errorf("DnsDmarc: %v", get(outputs, "DnsDmarc"))
	}
}

func TestCustomDomainForStableLinks(t *testing.T) {
	// GIVEN the dev stage's API domain, without a certificate ARN
	s := synth(t)
	apiID := s.logicalID(t, "HttpApi")
	// THEN the stack requests a certificate for it, validated by DNS
	certs := s.resources("AWS::CertificateManager::Certificate")
	if len(certs) != 1 {
		t.Fatalf("certificates: %d", len(certs))
	}
	var certID string
	for id, c := range certs {
		certID = id
		if get(c, "Properties", "DomainName") != s.cfg.APIDomainName || get(c, "Properties", "ValidationMethod") != "DNS" {
			t.Errorf("certificate %v", get(c, "Properties"))
		}
	}
	// AND a regional custom domain with it, mapped to the API's default stage
	domains := s.resources("AWS::ApiGatewayV2::DomainName")
	if len(domains) != 1 {
		t.Fatalf("domains: %d", len(domains))
	}
	var domainID string
	for id, d := range domains {
		domainID = id
		props := get(d, "Properties")
		if get(props, "DomainName") != s.cfg.APIDomainName || !slices.Equal(refs(get(props, "DomainNameConfigurations", 0, "CertificateArn")), []string{certID}) ||
			get(props, "DomainNameConfigurations", 0, "EndpointType") != "REGIONAL" || get(props, "DomainNameConfigurations", 0, "SecurityPolicy") != "TLS_1_2" {
			t.Errorf("domain %v", props)
		}
	}
	mappings := s.resources("AWS::ApiGatewayV2::ApiMapping")
	if len(mappings) != 1 {
		t.Fatalf("mappings: %d", len(mappings))
	}
	for _, m := range mappings {
		props := get(m, "Properties")
		if got := refs(props); !slices.Contains(got, apiID) || !slices.Contains(got, domainID) || get(props, "ApiMappingKey") != nil {
			t.Errorf("mapping %v", props)
		}
	}
	// AND every function that builds links to the API builds them on that domain
	var builders []string
	for _, name := range Functions() {
		fn := s.function(t, name)
		if v := get(fn.props, "Environment", "Variables", "PUBLIC_BASE_URL"); v != nil {
			builders = append(builders, name)
			if v != "https://"+s.cfg.APIDomainName {
				t.Errorf("%s: PUBLIC_BASE_URL %v", name, v)
			}
		}
	}
	if !slices.Equal(slices.Sorted(slices.Values(builders)), []string{httpapi.FunctionMailer, httpapi.FunctionMessaging, httpapi.FunctionReminders}) {
		t.Errorf("functions given PUBLIC_BASE_URL: %v, want the two that sign unsubscribe links and the mailer, which links emails to their org's logo", builders)
	}
	// AND the DNS target of the domain is an output
	if refs(get(s.template, "Outputs", "ApiDomainTarget", "Value"))[0] != domainID {
		t.Error("no ApiDomainTarget output of the domain")
	}
}

func TestPublicRoutesThrottledAndCORSForTheConsoleOnly(t *testing.T) {
	s := synth(t)
	// GIVEN the public routes of the catalogue
	var public []string
	for _, r := range httpapi.Routes {
		if r.Public {
			public = append(public, r.Key())
		}
	}
	routeIDs := map[string]string{}
	for id, r := range s.resources("AWS::ApiGatewayV2::Route") {
		routeIDs[get(r, "Properties", "RouteKey").(string)] = id
	}
	// THEN the stage throttles each of them, and only them, below the default
	for _, stage := range s.resources("AWS::ApiGatewayV2::Stage") {
		settings, _ := get(stage, "Properties", "RouteSettings").(map[string]any)
		var keys []string
		for key, v := range settings {
			keys = append(keys, key)
			rate, _ := get(v, "ThrottlingRateLimit").(float64)
			burst, _ := get(v, "ThrottlingBurstLimit").(float64)
			if rate <= 0 || burst < rate || rate >= apiRateLimit {
				t.Errorf("%s: rate %v burst %v, want a limit of its own under the API's %d", key, rate, burst, apiRateLimit)
			}
		}
		if !slices.Equal(slices.Sorted(slices.Values(keys)), slices.Sorted(slices.Values(public))) {
			t.Errorf("throttled routes %v, want the public ones %v", keys, public)
		}
		// AND the stage is created after those routes (API Gateway requires it)
		for _, key := range public {
			if !slices.Contains(toStrings(list(get(stage, "DependsOn"))), routeIDs[key]) {
				t.Errorf("the stage does not depend on %s", key)
			}
		}
	}

	// AND CORS admits the console's origin alone, for every method of the
	// routes and the headers the console sends
	cors := get(s.resource(t, s.logicalID(t, "HttpApi"), "AWS::ApiGatewayV2::Api"), "Properties", "CorsConfiguration")
	if got := renderAll(get(cors, "AllowOrigins")); !slices.Equal(got, []string{s.consoleOrigin(t)}) {
		t.Errorf("AllowOrigins %q, want the console's origin alone, %s", got, s.consoleOrigin(t))
	}
	methods := toStrings(list(get(cors, "AllowMethods")))
	for _, r := range httpapi.Routes {
		if !slices.Contains(methods, r.Method) {
			t.Errorf("AllowMethods %v: no %s (%s)", methods, r.Method, r.Key())
		}
	}
	if got := toStrings(list(get(cors, "AllowHeaders"))); !slices.Equal(got, []string{"authorization", "content-type"}) {
		t.Errorf("AllowHeaders %v", got)
	}
	if get(cors, "AllowCredentials") != false || get(cors, "MaxAge") != float64(httpapi.CORSMaxAgeSeconds) {
		t.Errorf("CORS %v", cors)
	}
	// AND the qa stage's API admits its own console alone
	otherCORS := render((&synthesis{template: *assertions.Template_FromStack(s.other, nil).ToJSON()}).resources("AWS::ApiGatewayV2::Api"), nil)
	if !strings.Contains(otherCORS, `"AllowOrigins":["`+otherStage.ConsoleOrigin+`"]`) {
		t.Errorf("qa CORS %s", otherCORS)
	}
	// AND the local gateway's preflight answer is made of the same values
	h := httpapi.CORSPreflightHeaders(otherStage.ConsoleOrigin, otherStage.ConsoleOrigin)
	if h["access-control-allow-methods"] != strings.Join(methods, ",") || h["access-control-allow-headers"] != "authorization,content-type" {
		t.Errorf("local preflight headers %v, API Gateway's methods %v", h, methods)
	}
}

// TestOrgLogoRouteIsPublic: the route that emails load an org's logo from
// is deployed without an authorizer (mail clients fetch images without
// credentials), served by the admin function, which may read the logos,
// and throttled on its own like every public route.
func TestOrgLogoRouteIsPublic(t *testing.T) {
	s := synth(t)
	const key = "GET /v1/orgs/{orgId}/logo"
	var route any
	for id, r := range s.resources("AWS::ApiGatewayV2::Route") {
		if get(r, "Properties", "RouteKey") == key {
			if route != nil {
				t.Fatalf("two routes %s", key)
			}
			route = get(r, "Properties")
			t.Logf("route %s is %s", key, id)
		}
	}
	if route == nil {
		t.Fatalf("no route %s", key)
	}
	if get(route, "AuthorizationType") != "NONE" || get(route, "AuthorizerId") != nil {
		t.Errorf("%s: AuthorizationType %v, AuthorizerId %v; want NONE and no authorizer", key, get(route, "AuthorizationType"), get(route, "AuthorizerId"))
	}
	integrations := refs(get(route, "Target"))
	if len(integrations) != 1 {
		t.Fatalf("Target %v", integrations)
	}
	uri := get(s.resource(t, integrations[0], "AWS::ApiGatewayV2::Integration"), "Properties", "IntegrationUri")
	if got := refs(uri); !slices.Equal(got, []string{s.logicalID(t, functionID(httpapi.FunctionAdmin))}) {
		t.Errorf("%s reaches %v, want the admin function", key, got)
	}
	for _, stage := range s.resources("AWS::ApiGatewayV2::Stage") {
		settings := get(stage, "Properties", "RouteSettings", key)
		if rate, _ := get(settings, "ThrottlingRateLimit").(float64); rate != publicRouteRateLimit {
			t.Errorf("%s: throttled at %v, want %d a second", key, settings, publicRouteRateLimit)
		}
	}
}
