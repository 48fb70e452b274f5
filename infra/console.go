package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/jsii-runtime-go"
)

// The admin console (web/) in AWS: its built bundle in a private bucket,
// served by a CloudFront distribution that reads the bucket through origin
// access control, with security headers on every answer. Its runtime
// settings are a config.json the stack writes beside the bundle at
// deployment (web/src/config.ts reads it), so one bundle serves any stage.

// DefaultConsoleBundleDir is where `make web` builds the console, relative
// to the repo top where cdk synth runs.
const DefaultConsoleBundleDir = "web/dist"

// DefaultConsolePlaceholderDir is where ConsoleBundle writes a stand-in
// bundle when the console has not been built, relative to the repo top:
// `make synth` (and the synth stage of `make test`, which runs before the
// web stage builds web/dist) works without Node.js building the console;
// `make deploy` and `make diff` build it first.
const DefaultConsolePlaceholderDir = ".build/console-placeholder"

const (
	// consoleAssetsDir is vite's build.assetsDir: every file in it has a
	// hash of its content in its name, so it may be cached for good.
	consoleAssetsDir = "assets"
	// consoleConfigKey is the object web/src/config.ts fetches at start-up.
	consoleConfigKey = "config.json"
	// consoleAssetsCacheControl lets browsers and CloudFront keep a hashed
	// asset for a year, without revalidating.
	consoleAssetsCacheControl = "public, max-age=31536000, immutable"
	// consoleEntryCacheControl makes browsers and CloudFront revalidate
	// index.html and config.json on every load, so a deployment is seen at
	// once, without invalidating CloudFront's cache.
	consoleEntryCacheControl = "no-cache"
	// consoleLogPrefix is the key prefix of CloudFront's access logs.
	consoleLogPrefix = "cloudfront/"
	// hstsMaxAgeSecs is two years, what the HSTS preload list asks for.
	hstsMaxAgeSecs = 2 * 365 * 24 * 3600
)

// consoleSPAFunction is the CloudFront Function (viewer request) that makes
// the single-page app's URLs work: a path whose last segment has no dot
// (/, /orgs/o1/members, /auth/callback) is a screen of the app and gets
// index.html; a path with a dot (/assets/index-1a2b.js, /config.json) is a
// file and is fetched as it is, so a missing asset is S3's 404, not the
// app's page with a 200. The query string is not part of uri.
const consoleSPAFunction = `function handler(event) {
  var request = event.request;
  var last = request.uri.substring(request.uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}`

// placeholderIndex is the page of the placeholder bundle.
const placeholderIndex = `<!doctype html>
<html lang="en">
<head><meta charset="UTF-8"><title>Back office</title></head>
<body><p>The admin console was not built when this stack was synthesised: run <code>make web</code>, then deploy again (<code>make deploy</code> does both).</p></body>
</html>
`

// ConsoleBundle returns the console bundle to deploy: dir when it holds a
// build (index.html and assets/), else a placeholder page written to
// placeholder. It returns an error when the placeholder cannot be written.
func ConsoleBundle(dir, placeholder string) (string, error) {
	if isBundle(dir) {
		return dir, nil
	}
	if err := os.MkdirAll(filepath.Join(placeholder, consoleAssetsDir), 0o755); err != nil {
		return "", fmt.Errorf("console placeholder: %w", err)
	}
	files := map[string]string{
		"index.html": placeholderIndex,
		filepath.Join(consoleAssetsDir, "README.txt"): "Placeholder of the console's hashed assets; `make web` builds the real ones into web/dist.\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(placeholder, name), []byte(body), 0o644); err != nil {
			return "", fmt.Errorf("console placeholder: %w", err)
		}
	}
	return placeholder, nil
}

// isBundle says whether dir holds a built console: index.html and the
// assets directory.
func isBundle(dir string) bool {
	index, err := os.Stat(filepath.Join(dir, "index.html"))
	if err != nil || index.IsDir() {
		return false
	}
	assets, err := os.Stat(filepath.Join(dir, consoleAssetsDir))
	return err == nil && assets.IsDir()
}

// console is the admin console's hosting: its bucket and distribution.
type console struct {
	bucket       awss3.Bucket
	distribution awscloudfront.Distribution
	// origin is where the console is served (Config.FixedConsoleOrigin,
	// else the distribution's https://<domain>): the API's one CORS origin
	// and, with Cognito, the origin of the app client's callback.
	origin *string
}

// newConsole declares the console's private bucket and its distribution.
// files is the files bucket, which the console uploads import CSVs to and
// shows logos from with presigned URLs (see contentSecurityPolicy); the
// bucket's and the distribution's access logs go to accessLogs and a log
// bucket of their own.
func newConsole(stack awscdk.Stack, cfg Config, accessLogs, files awss3.Bucket) *console {
	// SSE-S3: CloudFront reads it through OAC without a KMS key policy.
	bucket := awss3.NewBucket(stack, jsii.String("Console"), privateBucket(accessLogs, "console/"))

	// CloudFront's standard logs are written with an ACL that gives the
	// bucket owner the objects, so this bucket keeps ACLs, unlike the
	// others (S3's own log delivery needs none).
	logProps := privateBucket(accessLogs, "console-cdn-logs/")
	logProps.ObjectOwnership = awss3.ObjectOwnership_BUCKET_OWNER_PREFERRED
	logProps.LifecycleRules = &[]*awss3.LifecycleRule{{
		Expiration: awscdk.Duration_Days(jsii.Number(accessLogRetentionDays)),
	}}
	cdnLogs := awss3.NewBucket(stack, jsii.String("ConsoleCdnLogs"), logProps)

	spa := awscloudfront.NewFunction(stack, jsii.String("ConsoleSpaRouting"), &awscloudfront.FunctionProps{
		Code:    awscloudfront.FunctionCode_FromInline(jsii.String(consoleSPAFunction)),
		Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
		Comment: jsii.String("Admin console: paths without a file extension are the app's screens (index.html)"),
	})

	// Without query strings, cookies or headers in the key; the TTLs come
	// from each object's Cache-Control (a year for hashed assets, none for
	// index.html and config.json), min 0 so that no-cache is honoured.
	cache := awscloudfront.NewCachePolicy(stack, jsii.String("ConsoleCachePolicy"), &awscloudfront.CachePolicyProps{
		Comment:                    jsii.String("Admin console: the objects' own Cache-Control"),
		MinTtl:                     awscdk.Duration_Seconds(jsii.Number(0)),
		DefaultTtl:                 awscdk.Duration_Days(jsii.Number(1)),
		MaxTtl:                     awscdk.Duration_Days(jsii.Number(365)),
		QueryStringBehavior:        awscloudfront.CacheQueryStringBehavior_None(),
		HeaderBehavior:             awscloudfront.CacheHeaderBehavior_None(),
		CookieBehavior:             awscloudfront.CacheCookieBehavior_None(),
		EnableAcceptEncodingGzip:   jsii.Bool(true),
		EnableAcceptEncodingBrotli: jsii.Bool(true),
	})

	filesOrigin := "https://" + *files.BucketName() + ".s3." + *stack.Region() + "." + *stack.UrlSuffix()
	headers := awscloudfront.NewResponseHeadersPolicy(stack, jsii.String("ConsoleHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String("Admin console: security headers"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Seconds(jsii.Number(hstsMaxAgeSecs)),
				IncludeSubdomains:   jsii.Bool(true),
				Override:            jsii.Bool(true),
			},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions: &awscloudfront.ResponseHeadersFrameOptions{
				FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: jsii.Bool(true),
			},
			// The console's URLs carry organisation and program ids and
			// search terms; no page it links to needs them.
			ReferrerPolicy: &awscloudfront.ResponseHeadersReferrerPolicy{
				ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_NO_REFERRER, Override: jsii.Bool(true),
			},
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{
				ContentSecurityPolicy: jsii.String(contentSecurityPolicy(originOf(cfg.LinkBaseURL()), signInOrigins(stack, cfg), filesOrigin)),
				Override:              jsii.Bool(true),
			},
		},
	})

	props := &awscloudfront.DistributionProps{
		Comment: jsii.String("Admin console of " + cfg.StackName()),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			// OAC (signed requests from this distribution alone, SourceArn in
			// the bucket policy); LIST lets S3 answer 404, not 403, for a
			// missing asset.
			Origin: awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(bucket, &awscloudfrontorigins.S3BucketOriginWithOACProps{
				OriginAccessLevels: &[]awscloudfront.AccessLevel{awscloudfront.AccessLevel_READ, awscloudfront.AccessLevel_LIST},
			}),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			CachePolicy:           cache,
			ResponseHeadersPolicy: headers,
			Compress:              jsii.Bool(true),
			FunctionAssociations: &[]*awscloudfront.FunctionAssociation{{
				EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST,
				Function:  spa,
			}},
		},
		// The SPA function already sends / to index.html; this keeps a
		// request for the bucket's root from ever being a listing (LIST).
		DefaultRootObject: jsii.String("index.html"),
		HttpVersion:       awscloudfront.HttpVersion_HTTP2_AND_3,
		// Administrators are few; the cheapest class's edges (North
		// America, Europe, Israel) answer the rest a little slower.
		PriceClass:    awscloudfront.PriceClass_PRICE_CLASS_100,
		EnableLogging: jsii.Bool(true),
		LogBucket:     cdnLogs,
		LogFilePrefix: jsii.String(consoleLogPrefix),
	}
	if cfg.ConsoleDomainName != "" {
		props.DomainNames = jsii.Strings(cfg.ConsoleDomainName)
		props.Certificate = awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("ConsoleCertificate"), jsii.String(cfg.ConsoleCertificateARN))
		props.MinimumProtocolVersion = awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021
		props.SslSupportMethod = awscloudfront.SSLMethod_SNI
	}
	distribution := awscloudfront.NewDistribution(stack, jsii.String("ConsoleDistribution"), props)
	// CDK warns that with LIST a request for the root would list the
	// bucket unless the default root object is set, which it is.
	awscdk.Annotations_Of(distribution).AcknowledgeWarning(jsii.String("@aws-cdk/aws-cloudfront-origins:listBucketSecurityRisk"),
		jsii.String("DefaultRootObject is index.html and the SPA function rewrites every path without a dot"))
	suppressConsoleDistribution(distribution, cfg.ConsoleDomainName != "")

	origin := cfg.FixedConsoleOrigin()
	if origin == "" {
		origin = "https://" + *distribution.DistributionDomainName()
	}
	output(stack, "ConsoleUrl", jsii.String(origin), "The admin console")
	output(stack, "ConsoleDistributionDomain", distribution.DistributionDomainName(),
		"CloudFront domain of the admin console: the target of consoleDomainName's CNAME (or Route 53 alias, zone Z2FDTNDATAQYW2)")
	output(stack, "ConsoleDistributionId", distribution.DistributionId(), "CloudFront distribution of the admin console")
	output(stack, "ConsoleBucketName", bucket.BucketName(), "Private bucket of the admin console's bundle and config.json")
	return &console{bucket: bucket, distribution: distribution, origin: jsii.String(origin)}
}

// deploy copies the bundle in dir to the console's bucket, with its
// config.json: the hashed assets first, cached for a year and never pruned
// (a browser with the previous index.html open may still load their
// chunks), then index.html and the rest with config.json, revalidated on
// every load; files gone from the bundle are removed from the bucket but
// under assets/.
func (c *console) deploy(stack awscdk.Stack, cfg Config, dir string, signIn signIn) {
	if !isBundle(dir) {
		panic(fmt.Sprintf("console bundle %s: no index.html and %s/ (run `make web`)", dir, consoleAssetsDir))
	}
	assets := awss3deployment.NewBucketDeployment(stack, jsii.String("ConsoleAssets"), &awss3deployment.BucketDeploymentProps{
		DestinationBucket:    c.bucket,
		DestinationKeyPrefix: jsii.String(consoleAssetsDir + "/"),
		Sources:              &[]awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(filepath.Join(dir, consoleAssetsDir)), nil)},
		CacheControl:         &[]awss3deployment.CacheControl{awss3deployment.CacheControl_FromString(jsii.String(consoleAssetsCacheControl))},
		Prune:                jsii.Bool(false),
	})
	entry := awss3deployment.NewBucketDeployment(stack, jsii.String("ConsoleEntry"), &awss3deployment.BucketDeploymentProps{
		DestinationBucket: c.bucket,
		Sources: &[]awss3deployment.ISource{
			// assets/ is left out of this zip too: the other deployment ships it.
			awss3deployment.Source_Asset(jsii.String(dir), &awss3assets.AssetOptions{Exclude: jsii.Strings(consoleAssetsDir)}),
			awss3deployment.Source_JsonData(jsii.String(consoleConfigKey), consoleConfig(cfg, signIn), nil),
		},
		// Excluded from both the copy and the pruning: assets/ is the
		// other deployment's.
		Exclude:      jsii.Strings(consoleAssetsDir + "/*"),
		CacheControl: &[]awss3deployment.CacheControl{awss3deployment.CacheControl_FromString(jsii.String(consoleEntryCacheControl))},
		Prune:        jsii.Bool(true),
	})
	entry.Node().AddDependency(assets)
	suppressBucketDeploymentHandler(stack, c.bucket)
}

// consoleConfig is the console's config.json (web/src/config.ts): sign-in
// by OpenID Connect at the stage's issuer with the console's client id,
// and the API at its one public URL (Config.LinkBaseURL), the one the
// emails' links use, which outlives a replaced API and, being a setting,
// keeps the API's CORS (which names the distribution's domain) and the
// console's Content-Security-Policy (which names the API) from depending
// on each other.
func consoleConfig(cfg Config, signIn signIn) map[string]*string {
	return map[string]*string{
		"mode":     jsii.String("oidc"),
		"apiUrl":   jsii.String(cfg.LinkBaseURL()),
		"issuer":   signIn.issuer,
		"clientId": signIn.clientID,
	}
}

// contentSecurityPolicy is the console's Content-Security-Policy: its own
// scripts only, and connections to itself, the API, the sign-in's origins
// and the files bucket (presigned uploads of import CSVs; logos are shown
// from it too). Images may also come from the API: a message's preview
// shows the org's logo from its public route, which redirects to the
// bucket. Styles may be inline: Mantine writes its theme's CSS
// variables into a <style> element at run time.
func contentSecurityPolicy(apiOrigin string, signInOrigins []string, filesOrigin string) string {
	connect := append(append([]string{"'self'", apiOrigin}, signInOrigins...), filesOrigin)
	return strings.Join([]string{
		"default-src 'self'",
		"script-src 'self'",
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data: " + apiOrigin + " " + filesOrigin,
		"font-src 'self' data:",
		"connect-src " + strings.Join(connect, " "),
		"object-src 'none'",
		"base-uri 'self'",
		"form-action 'self'",
		"frame-ancestors 'none'",
		"upgrade-insecure-requests",
	}, "; ")
}

// originOf is the scheme and host of an absolute URL that Validate has
// checked; it panics on one it cannot parse.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		panic(fmt.Sprintf("URL %q has no origin (%v)", raw, err))
	}
	return u.Scheme + "://" + u.Host
}
