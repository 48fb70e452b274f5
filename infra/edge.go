package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/learnops/backoffice/shared/adapters/httpapi"
)

// Throttling of the public routes (httpapi.Route.Public), which anyone may
// call without a token: each has a limit of its own, well under the API's
// default (apiRateLimit), so that a flood on one of them cannot use up the
// API's account-level allowance that administrators' calls share. The
// unsubscribe links are opened by people and posted by mailbox providers
// after a campaign, a few a second at most; the health check by monitors.
const (
	publicRouteRateLimit  = 10
	publicRouteBurstLimit = 20
)

// corsPreflight lets browsers call the API from the console's origin alone
// (Config.FixedConsoleOrigin, else the console distribution's; never "*"),
// with the methods and headers of httpapi's CORS values, which the local
// gateway answers with too. API Gateway answers the preflight (OPTIONS)
// itself, before any authorizer.
func corsPreflight(consoleOrigin *string) *awsapigatewayv2.CorsPreflightOptions {
	var methods []awsapigatewayv2.CorsHttpMethod
	for _, m := range httpapi.CORSAllowMethods() {
		methods = append(methods, awsapigatewayv2.CorsHttpMethod(m))
	}
	return &awsapigatewayv2.CorsPreflightOptions{
		AllowOrigins:     &[]*string{consoleOrigin},
		AllowMethods:     &methods,
		AllowHeaders:     jsii.Strings(httpapi.CORSAllowHeaders...),
		AllowCredentials: jsii.Bool(false),
		MaxAge:           awscdk.Duration_Seconds(jsii.Number(httpapi.CORSMaxAgeSeconds)),
	}
}

// throttlePublicRoutes gives each public route its own throttle in the
// stage's route settings. The stage depends on the routes: API Gateway
// refuses route settings for a route that does not exist yet.
func throttlePublicRoutes(stage awsapigatewayv2.HttpStage, routes map[string]awsapigatewayv2.HttpRoute) {
	settings := map[string]any{}
	for key, route := range routes {
		settings[key] = map[string]any{
			"ThrottlingRateLimit":  publicRouteRateLimit,
			"ThrottlingBurstLimit": publicRouteBurstLimit,
		}
		stage.Node().AddDependency(route)
	}
	stage.Node().DefaultChild().(awsapigatewayv2.CfnStage).SetRouteSettings(settings)
}

// newAPIDomain gives the API the stage's custom domain (apiDomainName), when
// it has one: with the stage's ACM certificate (apiCertificateArn), or a
// certificate the stack requests, validated by DNS (the deployment waits
// until the validation CNAME, shown in the ACM console, is published). The
// domain is mapped to the default stage; its target for DNS is an output.
func newAPIDomain(stack awscdk.Stack, cfg Config, api awsapigatewayv2.HttpApi, stage awsapigatewayv2.HttpStage) {
	if cfg.APIDomainName == "" {
		return
	}
	var cert awscertificatemanager.ICertificate
	if cfg.APICertificateARN != "" {
		cert = awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("ApiCertificate"), jsii.String(cfg.APICertificateARN))
	} else {
		cert = awscertificatemanager.NewCertificate(stack, jsii.String("ApiCertificate"), &awscertificatemanager.CertificateProps{
			DomainName: jsii.String(cfg.APIDomainName),
			Validation: awscertificatemanager.CertificateValidation_FromDns(nil),
		})
	}
	domain := awsapigatewayv2.NewDomainName(stack, jsii.String("ApiDomain"), &awsapigatewayv2.DomainNameProps{
		DomainName:     jsii.String(cfg.APIDomainName),
		Certificate:    cert,
		EndpointType:   awsapigatewayv2.EndpointType_REGIONAL,
		SecurityPolicy: awsapigatewayv2.SecurityPolicy_TLS_1_2,
	})
	awsapigatewayv2.NewApiMapping(stack, jsii.String("ApiMapping"), &awsapigatewayv2.ApiMappingProps{
		Api:        api,
		DomainName: domain,
		Stage:      stage,
	})
	output(stack, "ApiDomainTarget", domain.RegionalDomainName(),
		"Point "+cfg.APIDomainName+" here: a CNAME (or a Route 53 alias with zone "+"ApiDomainZone)")
	output(stack, "ApiDomainZone", domain.RegionalHostedZoneId(), "Hosted zone of ApiDomainTarget, for a Route 53 alias record")
}
