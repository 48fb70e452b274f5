package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
)

// testBundle is the console bundle the tests synthesise: an index.html and
// hashed assets, as `make web` builds them.
var testBundle = map[string]string{
	"index.html":                 `<!doctype html><script type="module" src="/assets/index-1a2b3c.js"></script>`,
	"assets/index-1a2b3c.js":     "console.log('console')",
	"assets/FunnelChart-4d5e.js": "export {}",
}

// writeConsoleBundle writes testBundle under dir and returns its directory.
func writeConsoleBundle(dir string) (string, error) {
	bundle := filepath.Join(dir, "console")
	for name, body := range testBundle {
		path := filepath.Join(bundle, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			return "", err
		}
	}
	return bundle, nil
}

// consoleOrigin is the dev stage's console origin as render writes it: the
// distribution's own domain, as dev.json names no consoleDomainName.
func (s *synthesis) consoleOrigin(t *testing.T) string {
	t.Helper()
	return "https://${" + s.logicalID(t, "ConsoleDistribution") + ".DomainName}"
}

// renderAll renders each element of a list (see render).
func renderAll(v any) []string {
	var out []string
	for _, e := range list(v) {
		out = append(out, render(e, nil))
	}
	return out
}

// otherSynthesis is the qa stage's template, for the helpers of synthesis.
func (s *synthesis) otherSynthesis() *synthesis {
	return &synthesis{template: *assertions.Template_FromStack(s.other, nil).ToJSON()}
}

// oneOf is the one resource of type typ in the template, with its logical ID.
func (s *synthesis) oneOf(t *testing.T, typ string) (string, any) {
	t.Helper()
	found := s.resources(typ)
	if len(found) != 1 {
		t.Fatalf("%s: got %d, want 1", typ, len(found))
	}
	for id, r := range found {
		return id, r
	}
	return "", nil
}

func TestConsoleBucketIsPrivateAndReadByItsDistributionAlone(t *testing.T) {
	// GIVEN the synthesised stack
	s := synth(t)
	bucketID := s.logicalID(t, "Console")
	distID := s.logicalID(t, "ConsoleDistribution")
	props := get(s.resource(t, bucketID, "AWS::S3::Bucket"), "Properties")

	// THEN the console bucket blocks all public access, is encrypted and logged
	for _, setting := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
		if got := get(props, "PublicAccessBlockConfiguration", setting); got != true {
			t.Errorf("%s: got %v, want true", setting, got)
		}
	}
	if get(props, "BucketEncryption", "ServerSideEncryptionConfiguration", 0, "ServerSideEncryptionByDefault", "SSEAlgorithm") != "AES256" {
		t.Error("the console bucket is not encrypted with SSE-S3")
	}
	if get(props, "LoggingConfiguration", "DestinationBucketName") == nil || get(props, "WebsiteConfiguration") != nil {
		t.Errorf("logging %v, website %v: want access logs and no website endpoint", get(props, "LoggingConfiguration"), get(props, "WebsiteConfiguration"))
	}

	// AND its policy denies requests without TLS, and allows only
	// CloudFront, only for this distribution (its SourceArn), to read
	var policies []any
	for _, p := range s.resources("AWS::S3::BucketPolicy") {
		if slices.Equal(refs(get(p, "Properties", "Bucket")), []string{bucketID}) {
			policies = append(policies, p)
		}
	}
	if len(policies) != 1 {
		t.Fatalf("policies of the console bucket: %d, want 1", len(policies))
	}
	denyPlain, allows := false, 0
	for _, st := range list(get(policies[0], "Properties", "PolicyDocument", "Statement")) {
		switch get(st, "Effect") {
		case "Deny":
			if get(st, "Condition", "Bool", "aws:SecureTransport") == "false" {
				denyPlain = true
			}
		case "Allow":
			allows++
			if got := render(get(st, "Principal"), nil); got != `{"Service":"cloudfront.amazonaws.com"}` {
				t.Errorf("principal %s, want the CloudFront service alone", got)
			}
			want := "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${" + distID + "}"
			if got := render(get(st, "Condition", "StringEquals", "AWS:SourceArn"), nil); got != want {
				t.Errorf("SourceArn %s, want %s", got, want)
			}
			if got := toStrings(list(get(st, "Action"))); !slices.Equal(got, []string{"s3:GetObject", "s3:ListBucket"}) {
				t.Errorf("actions %v, want read and list (404 for a missing asset)", got)
			}
		}
	}
	if !denyPlain || allows != 1 {
		t.Errorf("deny without TLS %v, allow statements %d: want a deny and one allow", denyPlain, allows)
	}
}

func TestConsoleOriginUsesOriginAccessControl(t *testing.T) {
	// GIVEN the synthesised stack
	s := synth(t)
	_, dist := s.oneOf(t, "AWS::CloudFront::Distribution")
	origins := list(get(dist, "Properties", "DistributionConfig", "Origins"))
	if len(origins) != 1 {
		t.Fatalf("origins: %d, want 1", len(origins))
	}

	// THEN the one origin is the console bucket, signed with OAC, no OAI
	if got := refs(get(origins[0], "DomainName")); !slices.Equal(got, []string{s.logicalID(t, "Console")}) {
		t.Errorf("origin %v, want the console bucket", got)
	}
	oacs := s.resources("AWS::CloudFront::OriginAccessControl")
	oacIDs := refs(get(origins[0], "OriginAccessControlId"))
	if len(oacIDs) != 1 || oacs[oacIDs[0]] == nil {
		t.Fatalf("OriginAccessControlId %v: want the stack's OAC", oacIDs)
	}
	cfg := get(oacs[oacIDs[0]], "Properties", "OriginAccessControlConfig")
	if get(cfg, "OriginAccessControlOriginType") != "s3" || get(cfg, "SigningBehavior") != "always" || get(cfg, "SigningProtocol") != "sigv4" {
		t.Errorf("OAC %v, want s3, always, sigv4", cfg)
	}
	if oai := get(origins[0], "S3OriginConfig", "OriginAccessIdentity"); oai != "" || len(s.resources("AWS::CloudFront::CloudFrontOriginAccessIdentity")) != 0 {
		t.Errorf("origin access identity %v: want none", oai)
	}

	// AND viewers are sent to HTTPS and may only GET and HEAD, every
	// request's access is logged
	config := get(dist, "Properties", "DistributionConfig")
	behaviour := get(config, "DefaultCacheBehavior")
	if get(behaviour, "ViewerProtocolPolicy") != "redirect-to-https" || render(get(behaviour, "AllowedMethods"), nil) != `["GET","HEAD"]` {
		t.Errorf("behaviour %v", behaviour)
	}
	if got := refs(get(config, "Logging", "Bucket")); len(got) != 1 || s.resources("AWS::S3::Bucket")[got[0]] == nil {
		t.Errorf("logging bucket %v, want a bucket of the stack", got)
	}
}

func TestConsoleSecurityHeaders(t *testing.T) {
	// GIVEN the dev stage (Cognito, API at apiDomainName) and the qa stage
	// (its own OIDC issuer, API at publicBaseUrl)
	s := synth(t)
	filesOrigin := "https://${" + s.logicalID(t, "Files") + "}.s3.${AWS::Region}.${AWS::URLSuffix}"
	for _, tt := range []struct {
		stage   string
		s       *synthesis
		connect []string
	}{
		{"dev", s, []string{"'self'", "https://api.dev.learn.example.com", "https://cognito-idp.${AWS::Region}.${AWS::URLSuffix}",
			"https://learnops-backoffice-dev.auth.${AWS::Region}.amazoncognito.com", filesOrigin}},
		{"qa", s.otherSynthesis(), []string{"'self'", "https://edge.qa.learn.example.org", "https://login.example.org", filesOrigin}},
	} {
		t.Run(tt.stage, func(t *testing.T) {
			policyID, policy := tt.s.oneOf(t, "AWS::CloudFront::ResponseHeadersPolicy")
			_, dist := tt.s.oneOf(t, "AWS::CloudFront::Distribution")
			// THEN the distribution answers with the policy
			if got := refs(get(dist, "Properties", "DistributionConfig", "DefaultCacheBehavior", "ResponseHeadersPolicyId")); !slices.Equal(got, []string{policyID}) {
				t.Fatalf("response headers policy %v, want %s", got, policyID)
			}
			// AND it sets each security header, over the origin's
			headers := get(policy, "Properties", "ResponseHeadersPolicyConfig", "SecurityHeadersConfig")
			for _, check := range []struct {
				path []any
				want any
			}{
				{[]any{"StrictTransportSecurity", "AccessControlMaxAgeSec"}, float64(63072000)},
				{[]any{"StrictTransportSecurity", "IncludeSubdomains"}, true},
				{[]any{"StrictTransportSecurity", "Override"}, true},
				{[]any{"ContentTypeOptions", "Override"}, true},
				{[]any{"FrameOptions", "FrameOption"}, "DENY"},
				{[]any{"FrameOptions", "Override"}, true},
				{[]any{"ReferrerPolicy", "ReferrerPolicy"}, "no-referrer"},
				{[]any{"ReferrerPolicy", "Override"}, true},
				{[]any{"ContentSecurityPolicy", "Override"}, true},
			} {
				if got := get(headers, check.path...); got != check.want {
					t.Errorf("%v: got %v, want %v", check.path, got, check.want)
				}
			}
			// AND its CSP runs the bundle's own scripts alone, is framed by
			// no one, and connects to the API, the sign-in and the files
			// bucket alone
			csp := map[string][]string{}
			for _, d := range strings.Split(render(get(headers, "ContentSecurityPolicy", "ContentSecurityPolicy"), nil), ";") {
				fields := strings.Fields(d)
				if len(fields) > 0 {
					csp[fields[0]] = fields[1:]
				}
			}
			for directive, want := range map[string][]string{
				"default-src":     {"'self'"},
				"script-src":      {"'self'"},
				"object-src":      {"'none'"},
				"frame-ancestors": {"'none'"},
				"base-uri":        {"'self'"},
				"connect-src":     tt.connect,
				"img-src":         {"'self'", "data:", tt.connect[1], filesOrigin},
			} {
				if got := csp[directive]; !slices.Equal(got, want) {
					t.Errorf("CSP %s: got %q, want %q", directive, got, want)
				}
			}
		})
	}
}

// spaRewrite runs the console's CloudFront Function on a request for uri
// in Node.js (which the CDK runs in, so the tests have it) and returns the
// uri it forwards.
func spaRewrite(t *testing.T, code string, uris []string) []string {
	t.Helper()
	in, _ := json.Marshal(uris)
	script := code + `
const uris = ` + string(in) + `;
console.log(JSON.stringify(uris.map((uri) => handler({ request: { uri, querystring: {} } }).uri)));`
	out, err := exec.Command("node", "-e", script).Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var got []string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("node said %q: %v", out, err)
	}
	return got
}

func TestConsoleRoutesScreensToIndexAndFilesAsTheyAre(t *testing.T) {
	// GIVEN the distribution's viewer-request function
	s := synth(t)
	fnID, fn := s.oneOf(t, "AWS::CloudFront::Function")
	_, dist := s.oneOf(t, "AWS::CloudFront::Distribution")
	assoc := list(get(dist, "Properties", "DistributionConfig", "DefaultCacheBehavior", "FunctionAssociations"))
	if len(assoc) != 1 || get(assoc[0], "EventType") != "viewer-request" || !slices.Equal(refs(get(assoc[0], "FunctionARN")), []string{fnID}) {
		t.Fatalf("function associations %v, want the SPA function on viewer requests", assoc)
	}
	if get(fn, "Properties", "FunctionConfig", "Runtime") != "cloudfront-js-2.0" {
		t.Errorf("runtime %v", get(fn, "Properties", "FunctionConfig", "Runtime"))
	}
	// AND no error response turns a missing file into the app's page
	if got := get(dist, "Properties", "DistributionConfig", "CustomErrorResponses"); got != nil {
		t.Errorf("CustomErrorResponses %v: a missing asset must stay a 404", got)
	}

	// WHEN it handles the app's screens and its files
	code := get(fn, "Properties", "FunctionCode").(string)
	uris := []string{"/", "/orgs/o1/members", "/auth/callback", "/orgs/o.1/x", "/assets/index-1a2b3c.js", "/config.json", "/index.html", "/assets/missing.css"}
	want := []string{"/index.html", "/index.html", "/index.html", "/index.html", "/assets/index-1a2b3c.js", "/config.json", "/index.html", "/assets/missing.css"}

	// THEN screens get index.html and files are fetched as they are
	if got := spaRewrite(t, code, uris); !slices.Equal(got, want) {
		t.Errorf("rewrites of %q:\n got %q\nwant %q", uris, got, want)
	}
}

// consoleDeployments are the stack's Custom::CDKBucketDeployment resources
// by construct, "ConsoleAssets" and "ConsoleEntry" (their logical IDs
// start with the construct's path).
func (s *synthesis) consoleDeployments(t *testing.T) map[string]any {
	t.Helper()
	found := map[string]any{}
	for id, r := range s.resources("Custom::CDKBucketDeployment") {
		for _, name := range []string{"ConsoleAssets", "ConsoleEntry"} {
			if strings.HasPrefix(id, name+"CustomResource") {
				found[name] = r
				found[name+"ID"] = id
			}
		}
	}
	if len(s.resources("Custom::CDKBucketDeployment")) != 2 || found["ConsoleAssets"] == nil || found["ConsoleEntry"] == nil {
		t.Fatalf("bucket deployments %v, want ConsoleAssets and ConsoleEntry", found)
	}
	return found
}

// marker is a placeholder of a token in a Source.jsonData file.
var marker = regexp.MustCompile(`<<marker:0x[0-9a-f]+:\d+>>`)

// consoleConfigJSON is the config.json that the ConsoleEntry deployment of
// template (synthesised into workDir) writes, its tokens rendered.
func consoleConfigJSON(t *testing.T, template *synthesis) map[string]string {
	t.Helper()
	props := get(template.consoleDeployments(t)["ConsoleEntry"], "Properties")
	for i, key := range list(get(props, "SourceObjectKeys")) {
		dir := filepath.Join(workDir, "cdk.out", "asset."+strings.TrimSuffix(key.(string), ".zip"))
		raw, err := os.ReadFile(filepath.Join(dir, consoleConfigKey))
		if err != nil {
			continue
		}
		markers, _ := get(props, "SourceMarkers", i).(map[string]any)
		text := marker.ReplaceAllStringFunc(string(raw), func(m string) string { return render(markers[m], nil) })
		var config map[string]string
		if err := json.Unmarshal([]byte(text), &config); err != nil {
			t.Fatalf("config.json %s: %v", text, err)
		}
		return config
	}
	t.Fatalf("no source of ConsoleEntry holds %s", consoleConfigKey)
	return nil
}

func TestConsoleIsDeployedWithItsConfig(t *testing.T) {
	// GIVEN the synthesised stacks
	s := synth(t)
	bucketID := s.logicalID(t, "Console")
	deployments := s.consoleDeployments(t)
	assets, entry := get(deployments["ConsoleAssets"], "Properties"), get(deployments["ConsoleEntry"], "Properties")

	// THEN the hashed assets go under assets/, cached for a year, never pruned
	if !slices.Equal(refs(get(assets, "DestinationBucketName")), []string{bucketID}) || get(assets, "DestinationBucketKeyPrefix") != "assets/" ||
		get(assets, "Prune") != false || get(assets, "SystemMetadata", "cache-control") != "public, max-age=31536000, immutable" {
		t.Errorf("assets deployment %v", assets)
	}
	// AND index.html and config.json after them, revalidated on every
	// load, pruning all but assets/
	if !slices.Equal(refs(get(entry, "DestinationBucketName")), []string{bucketID}) || get(entry, "Prune") != true ||
		render(get(entry, "Exclude"), nil) != `["assets/*"]` || get(entry, "SystemMetadata", "cache-control") != "no-cache" {
		t.Errorf("entry deployment %v", entry)
	}
	if !slices.Contains(toStrings(list(get(deployments["ConsoleEntry"], "DependsOn"))), deployments["ConsoleAssetsID"].(string)) {
		t.Errorf("the entry deployment does not wait for the assets: %v", get(deployments["ConsoleEntry"], "DependsOn"))
	}
	// AND the entry's bundle zip holds index.html without assets/, which
	// the assets deployment ships
	entryFiles := 0
	for _, key := range list(get(entry, "SourceObjectKeys")) {
		dir := filepath.Join(workDir, "cdk.out", "asset."+strings.TrimSuffix(key.(string), ".zip"))
		if _, err := os.Stat(filepath.Join(dir, "index.html")); err == nil {
			entryFiles++
			if _, err := os.Stat(filepath.Join(dir, consoleAssetsDir)); !os.IsNotExist(err) {
				t.Errorf("the entry bundle %s holds %s/ (%v)", dir, consoleAssetsDir, err)
			}
		}
	}
	if entryFiles != 1 {
		t.Errorf("entry sources with index.html: %d, want 1", entryFiles)
	}
	// AND the cache policy lets the objects' Cache-Control decide (min TTL 0)
	_, cache := s.oneOf(t, "AWS::CloudFront::CachePolicy")
	if get(cache, "Properties", "CachePolicyConfig", "MinTTL") != float64(0) {
		t.Errorf("cache policy %v: want MinTTL 0, so that no-cache is honoured", get(cache, "Properties"))
	}

	// AND config.json is what web/src/config.ts reads: oidc mode, the API's
	// public URL, the stage's issuer and the console's client id
	var clientID string
	for id := range s.resources("AWS::Cognito::UserPoolClient") {
		clientID = id
	}
	for _, tt := range []struct {
		stage string
		s     *synthesis
		want  map[string]string
	}{
		{"dev", s, map[string]string{"mode": "oidc", "apiUrl": "https://api.dev.learn.example.com",
			"issuer": "https://cognito-idp.${AWS::Region}.${AWS::URLSuffix}/${" + s.logicalID(t, "UserPool") + "}", "clientId": "${" + clientID + "}"}},
		{"qa", s.otherSynthesis(), map[string]string{"mode": "oidc", "apiUrl": "https://edge.qa.learn.example.org",
			"issuer": "https://login.example.org/oauth2/qa", "clientId": "console-qa"}},
	} {
		if got := consoleConfigJSON(t, tt.s); !mapsEqualStrings(got, tt.want) {
			t.Errorf("%s config.json %v, want %v", tt.stage, got, tt.want)
		}
	}
}

func mapsEqualStrings(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestConsoleOutputsAndCustomDomain(t *testing.T) {
	s := synth(t)
	qa := s.otherSynthesis()
	distID := s.logicalID(t, "ConsoleDistribution")

	// GIVEN dev, without consoleDomainName THEN the console is at the
	// distribution's own domain, which the outputs name
	for id, want := range map[string]string{
		"ConsoleUrl":                s.consoleOrigin(t),
		"ConsoleDistributionDomain": "${" + distID + ".DomainName}",
		"ConsoleDistributionId":     "${" + distID + "}",
		"ConsoleBucketName":         "${" + s.logicalID(t, "Console") + "}",
	} {
		if got := render(get(s.template, "Outputs", id, "Value"), nil); got != want {
			t.Errorf("output %s: got %s, want %s", id, got, want)
		}
	}
	_, dist := s.oneOf(t, "AWS::CloudFront::Distribution")
	if get(dist, "Properties", "DistributionConfig", "Aliases") != nil {
		t.Errorf("dev aliases %v, want none", get(dist, "Properties", "DistributionConfig", "Aliases"))
	}

	// GIVEN qa, with consoleDomainName THEN the distribution answers for
	// it with the stage's certificate, TLS 1.2 or later, by SNI
	_, dist = qa.oneOf(t, "AWS::CloudFront::Distribution")
	config := get(dist, "Properties", "DistributionConfig")
	if got := render(get(config, "Aliases"), nil); got != `["`+otherStage.ConsoleDomainName+`"]` {
		t.Errorf("qa aliases %s", got)
	}
	for field, want := range map[string]any{
		"AcmCertificateArn":      otherStage.ConsoleCertificateARN,
		"MinimumProtocolVersion": "TLSv1.2_2021",
		"SslSupportMethod":       "sni-only",
	} {
		if got := get(config, "ViewerCertificate", field); got != want {
			t.Errorf("qa ViewerCertificate %s: got %v, want %v", field, got, want)
		}
	}
	if got := render(get(qa.template, "Outputs", "ConsoleUrl", "Value"), nil); got != "https://"+otherStage.ConsoleDomainName {
		t.Errorf("qa ConsoleUrl %s", got)
	}
}

func TestConsoleBundleIsTheBuildElseAPlaceholder(t *testing.T) {
	dir := t.TempDir()
	built, err := writeConsoleBundle(dir)
	if err != nil {
		t.Fatal(err)
	}
	placeholder := filepath.Join(dir, ".build", "placeholder")

	// GIVEN a build WHEN the bundle is chosen THEN it is the build, and no
	// placeholder is written
	if got, err := ConsoleBundle(built, placeholder); err != nil || got != built {
		t.Errorf("with a build: %q, %v", got, err)
	}
	if _, err := os.Stat(placeholder); !os.IsNotExist(err) {
		t.Errorf("placeholder written beside a build: %v", err)
	}

	// GIVEN no build (web/dist missing, or without its assets) THEN it is
	// a placeholder bundle whose page says how to build the console
	if err := os.MkdirAll(filepath.Join(dir, "half"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "half", "index.html"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, missing := range []string{filepath.Join(dir, "absent"), filepath.Join(dir, "half")} {
		got, err := ConsoleBundle(missing, placeholder)
		if err != nil || got != placeholder || !isBundle(got) {
			t.Fatalf("without a build in %s: %q, %v", missing, got, err)
		}
		page, _ := os.ReadFile(filepath.Join(got, "index.html"))
		if !strings.Contains(string(page), "make web") {
			t.Errorf("placeholder page %q does not say how to build the console", page)
		}
	}
}
