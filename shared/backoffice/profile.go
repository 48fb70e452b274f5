package backoffice

import (
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// ProfileField is one attribute of a learner's profile: its name in the API
// and the table, and the header of its column in the reports and imports.
type ProfileField struct {
	Name   string
	Column string
}

// ProfileFields are the profile attributes a learner may have, in the
// reports' column order. The employee id has no report column of its own:
// it stands in the External Id column of a learner the admin gave none.
var ProfileFields = []ProfileField{
	{"managerName", "Manager Name"},
	{"managerEmail", "Manager Email"},
	{"jobTitle", "Job Title"},
	{"jobType", "Job Type"},
	{"department", "Business Unit"},
	{"department2", "Business Unit 2"},
	{"locationCity", "Location City"},
	{"locationCountry", "Location Country"},
	{"locationRegion", "Location Region"},
	{"employeeId", "Employee Id"},
}

// ProfileEmployeeID is the profile field of the employee id.
const ProfileEmployeeID = "employeeId"

// MaxProfileValue is the longest value of a profile attribute, in characters.
const MaxProfileValue = 200

// Profile is a learner's profile attributes by field name (ProfileFields);
// an attribute not known is absent.
type Profile map[string]string

// IsProfileField reports whether name is a field of ProfileFields.
func IsProfileField(name string) bool {
	return slices.ContainsFunc(ProfileFields, func(f ProfileField) bool { return f.Name == name })
}

// CleanProfileValue returns the value trimmed, and a problem ("" when none)
// when it is longer than MaxProfileValue or holds a line break or a
// control character.
func CleanProfileValue(s string) (string, string) {
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n > MaxProfileValue {
		return s, "must be at most 200 characters"
	}
	return s, TextProblem(s, false)
}

// Merge returns p with the non-empty attributes of q over it, in a new map
// (nil when both are empty).
func (p Profile) Merge(q Profile) Profile {
	out := maps.Clone(p)
	for k, v := range q {
		if v == "" {
			continue
		}
		if out == nil {
			out = Profile{}
		}
		out[k] = v
	}
	return out
}

// ClaimMapping names, for each profile field an org fills from its
// learners' sign-in tokens, the claim that carries it.
type ClaimMapping map[string]string

// FromClaims returns the profile the claims give under the mapping: each
// mapped field whose claim is present and clean (CleanProfileValue), and
// nothing for the others (a claim that is too long or holds control
// characters is left out rather than stored).
func (m ClaimMapping) FromClaims(claims map[string]string) Profile {
	var p Profile
	for field, claim := range m {
		v, problem := CleanProfileValue(claims[claim])
		if v == "" || problem != "" || !IsProfileField(field) {
			continue
		}
		if p == nil {
			p = Profile{}
		}
		p[field] = v
	}
	return p
}
