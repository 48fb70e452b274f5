package backoffice

import "slices"

// GroupPlatformOperators is the identity-provider group whose members operate
// the platform: they create organisations.
const GroupPlatformOperators = "platform-operators"

// Caller is the signed-in person behind a request, as the JWT authorizer saw
// them. It never comes from a request body.
type Caller struct {
	Subject string
	// Name is the person's name from the token, when it carries one.
	Name          string
	Email         string
	EmailVerified bool
	Groups        []string
	// Claims are every claim of the token as strings, for the profile
	// attributes an org maps from them (ClaimMapping); never for access.
	Claims map[string]string
}

// IsOperator reports whether the caller is a platform operator.
func (c Caller) IsOperator() bool {
	return slices.Contains(c.Groups, GroupPlatformOperators)
}

// VerifiedEmail returns the caller's email in its canonical form (see
// ParseEmail) for lookups. It returns EUNAUTHORISED when the token carries
// no email, and EFORBIDDEN when the email is not verified or is not exactly
// one canonical address (a leading or trailing space, a control character,
// a look-alike domain): roles are granted to email addresses, so such a
// claim must never match one, and it is refused rather than repaired.
func (c Caller) VerifiedEmail() (Email, error) {
	if c.Email == "" {
		return Email{}, Errorf(EUNAUTHORISED, "the token carries no email claim")
	}
	if !c.EmailVerified {
		return Email{}, Errorf(EFORBIDDEN, "your email address is not verified")
	}
	e, err := ParseEmail(c.Email)
	if err != nil {
		return Email{}, Errorf(EFORBIDDEN, "the token's email claim is not a valid address: %s", ErrorDetails(err)[0].Message)
	}
	return e, nil
}
