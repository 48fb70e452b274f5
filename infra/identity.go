package main

import (
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// The API accepts ID tokens: they carry the claims the handlers read
// (email, email_verified, cognito:groups), and their audience (aud) is the
// console's client id, which the JWT authorizer checks. Cognito's access
// tokens carry neither email nor aud, so they are turned away (the handlers
// also refuse any token whose token_use is not "id").

// consoleTokenHours is how long the console's ID and access tokens last;
// its refresh token signs it in again for consoleRefreshDays.
const (
	consoleTokenHours  = 1
	consoleRefreshDays = 30
	// passwordMinLength is the pool's shortest password.
	passwordMinLength = 12
)

// consoleCallbackPath is where the admin console takes the authorization
// code back (callbackPath in web/src/auth/oidc.ts).
const consoleCallbackPath = "/auth/callback"

// signIn is who signs administrators in: what the API's JWT authorizer
// accepts, and what the admin console signs in with.
type signIn struct {
	// issuer is the tokens' iss.
	issuer *string
	// audience are the accepted aud values.
	audience []string
	// clientID is the admin console's client id at the issuer: the user
	// pool's app client, or the first of the stage's oidcAudience.
	clientID *string
}

// newSignIn declares the stage's sign-in: with SignInCognito a user pool of
// its own, whose app client lets the console at consoleOrigin back in, and
// with SignInOIDC the stage's issuer and audience.
func newSignIn(stack awscdk.Stack, cfg Config, consoleOrigin *string) signIn {
	if cfg.SignIn == SignInOIDC {
		output(stack, "JwtIssuer", jsii.String(cfg.OIDCIssuerURL), "Issuer of the ID tokens the API accepts (the stage's own OIDC provider)")
		return signIn{issuer: jsii.String(cfg.OIDCIssuerURL), audience: cfg.OIDCAudience, clientID: jsii.String(cfg.OIDCAudience[0])}
	}
	return newUserPool(stack, cfg, consoleOrigin)
}

// signInOrigins are the origins the admin console calls while signing in,
// for its Content-Security-Policy: with Cognito, the issuer's (its OpenID
// discovery document) and the hosted sign-in domain's (token and
// revocation endpoints); with OIDC, the issuer's. They are worked out from
// the settings, so that the console's distribution does not wait for the
// user pool, whose app client waits for the distribution's domain.
func signInOrigins(stack awscdk.Stack, cfg Config) []string {
	if cfg.SignIn == SignInOIDC {
		return []string{originOf(cfg.OIDCIssuerURL)}
	}
	return []string{
		"https://cognito-idp." + *stack.Region() + "." + *stack.UrlSuffix(),
		"https://" + cfg.CognitoDomainPrefix + ".auth." + *stack.Region() + ".amazoncognito.com",
	}
}

// newUserPool declares the Cognito user pool administrators sign in with:
// email addresses as user names, verified by Cognito before anyone can sign
// in, TOTP MFA for everyone, no self sign-up (operators invite users), the
// platform-operators group, a hosted sign-in domain, and the admin
// console's app client: a public client (no secret) using the authorization
// code flow, with PKCE, which Cognito supports for clients without a secret.
func newUserPool(stack awscdk.Stack, cfg Config, consoleOrigin *string) signIn {
	pool := awscognito.NewUserPool(stack, jsii.String("UserPool"), &awscognito.UserPoolProps{
		UserPoolName:        jsii.String(cfg.StackName() + "-admins"),
		SelfSignUpEnabled:   jsii.Bool(false),
		SignInAliases:       &awscognito.SignInAliases{Email: jsii.Bool(true)},
		SignInCaseSensitive: jsii.Bool(false),
		AutoVerify:          &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		KeepOriginal:        &awscognito.KeepOriginalAttrs{Email: jsii.Bool(true)},
		StandardAttributes: &awscognito.StandardAttributes{
			Email: &awscognito.StandardAttribute{Required: jsii.Bool(true), Mutable: jsii.Bool(true)},
		},
		AccountRecovery: awscognito.AccountRecovery_EMAIL_ONLY,
		Mfa:             awscognito.Mfa_REQUIRED,
		MfaSecondFactor: &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength:        jsii.Number(passwordMinLength),
			RequireDigits:    jsii.Bool(true),
			RequireLowercase: jsii.Bool(true),
			RequireUppercase: jsii.Bool(true),
			RequireSymbols:   jsii.Bool(true),
		},
		DeletionProtection: jsii.Bool(true),
		RemovalPolicy:      awscdk.RemovalPolicy_RETAIN,
	})
	suppressUserPoolThreatProtection(pool)

	awscognito.NewUserPoolGroup(stack, jsii.String("PlatformOperatorsGroup"), &awscognito.UserPoolGroupProps{
		UserPool:    pool,
		GroupName:   jsii.String(bo.GroupPlatformOperators),
		Description: jsii.String("Operate the platform: create organisations (cognito:groups in their ID tokens)"),
	})

	domain := pool.AddDomain(jsii.String("HostedDomain"), &awscognito.UserPoolDomainOptions{
		CognitoDomain: &awscognito.CognitoDomainOptions{DomainPrefix: jsii.String(cfg.CognitoDomainPrefix)},
	})

	// The deployed console's own callback and sign-out page, then the
	// stage's others (a console run on a developer's machine).
	// (Cognito refuses a URL listed twice.)
	callbacks := jsii.Strings(uniq(append([]string{*consoleOrigin + consoleCallbackPath}, cfg.ConsoleCallbackURLs...))...)
	logout := jsii.Strings(uniq(append([]string{*consoleOrigin + "/"}, cfg.ConsoleLogoutURLs...))...)
	client := pool.AddClient(jsii.String("ConsoleClient"), &awscognito.UserPoolClientOptions{
		UserPoolClientName: jsii.String("admin-console"),
		GenerateSecret:     jsii.Bool(false),
		// The hosted sign-in only: no password or SRP flow from the console.
		AuthFlows: &awscognito.AuthFlow{},
		OAuth: &awscognito.OAuthSettings{
			Flows: &awscognito.OAuthFlows{
				AuthorizationCodeGrant: jsii.Bool(true),
				ImplicitCodeGrant:      jsii.Bool(false),
				ClientCredentials:      jsii.Bool(false),
			},
			Scopes:       &[]awscognito.OAuthScope{awscognito.OAuthScope_OPENID(), awscognito.OAuthScope_EMAIL(), awscognito.OAuthScope_PROFILE()},
			CallbackUrls: callbacks,
			LogoutUrls:   logout,
		},
		SupportedIdentityProviders: &[]awscognito.UserPoolClientIdentityProvider{awscognito.UserPoolClientIdentityProvider_COGNITO()},
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		IdTokenValidity:            awscdk.Duration_Hours(jsii.Number(consoleTokenHours)),
		AccessTokenValidity:        awscdk.Duration_Hours(jsii.Number(consoleTokenHours)),
		RefreshTokenValidity:       awscdk.Duration_Days(jsii.Number(consoleRefreshDays)),
	})

	issuer := awscdk.Fn_Join(jsii.String(""), jsii.Strings("https://cognito-idp.", *stack.Region(), ".", *stack.UrlSuffix(), "/", *pool.UserPoolId()))
	output(stack, "UserPoolId", pool.UserPoolId(), "Cognito user pool of the administrators (add operators to its platform-operators group)")
	output(stack, "ConsoleClientId", client.UserPoolClientId(), "App client of the admin console (authorization code + PKCE, no secret); the API accepts its ID tokens")
	output(stack, "SignInDomain", domain.BaseUrl(nil), "Hosted sign-in (OAuth 2.0 authorize and token endpoints) of the user pool")
	output(stack, "JwtIssuer", issuer, "Issuer of the ID tokens the API accepts")
	return signIn{issuer: issuer, audience: []string{*client.UserPoolClientId()}, clientID: client.UserPoolClientId()}
}

// uniq is list without repeats, in its order.
func uniq(list []string) []string {
	var out []string
	for _, s := range list {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
