package backoffice

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// ErasedDomain is the domain of the anonymous addresses that replace an
// erased person's address in the items kept for the org's counts and
// reports. It is under .invalid (RFC 2606), so no mail can ever reach it,
// and the mailer refuses it outright.
const ErasedDomain = "erased.invalid"

// ErasedAddress returns the anonymous address of an erased person:
// "<anonID>@erased.invalid", the same in every program of the org so that
// reports still count them once.
func ErasedAddress(anonID string) Email {
	k := anonID + "@" + ErasedDomain
	return Email{Display: k, Key: k}
}

// IsErasedAddress reports whether the email key is an anonymous address of
// an erased person.
func IsErasedAddress(emailKey string) bool {
	return strings.HasSuffix(emailKey, "@"+ErasedDomain)
}

// PersonDigest returns the SHA-256 (hex) of an address within an org: what
// a tombstone and a personal-data job keep instead of the address itself,
// so that a later import can recognise the erased person without the table
// naming them. It is salted with the org id, so the digests of one address
// in two orgs differ.
func PersonDigest(orgID, emailKey string) string {
	h := sha256.Sum256([]byte(orgID + "\n" + emailKey))
	return hex.EncodeToString(h[:])
}
