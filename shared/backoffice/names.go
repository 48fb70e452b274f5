package backoffice

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaxNameLength is the most characters a name (of an organisation, a
// program, a collection, a catalogue item...) may have.
const MaxNameLength = 200

// CheckName records an error unless s is a non-blank name of at most
// MaxNameLength characters on one line, with no control character.
func CheckName(v *Validation, field, s string) {
	switch {
	case strings.TrimSpace(s) == "":
		v.Add(field, "is required")
	case utf8.RuneCountInString(s) > MaxNameLength:
		v.Add(field, "must be at most %d characters", MaxNameLength)
	default:
		CheckText(v, field, s, false)
	}
}

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{1,58}[a-z0-9])$`)

// ValidSlug reports whether s is a URL-safe slug: 3 to 60 lower-case letters,
// digits and hyphens, starting and ending with a letter or digit.
func ValidSlug(s string) bool { return slugPattern.MatchString(s) && !strings.Contains(s, "--") }

// Slugify derives a slug from a name: ASCII letters and digits lower-cased,
// every other run of characters one hyphen, cut to 60 characters.
func Slugify(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
			continue
		}
		hyphen = true
	}
	s := b.String()
	if len(s) > 60 {
		s = strings.TrimRight(s[:60], "-")
	}
	return s
}

var itemIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._~-]{0,99}$`)

// CheckItem records in v what is wrong with a catalogue item, each field
// named under prefix ("items[3]."): the id, name, university, slug, type
// and a specialisation's courses.
func CheckItem(v *Validation, prefix string, it CatalogItem) {
	v.Check(itemIDPattern.MatchString(it.ID), prefix+"id", "is required: 1 to 100 letters, digits, '.', '_', '~' or '-'")
	CheckName(v, prefix+"name", it.Name)
	if it.University != "" {
		CheckName(v, prefix+"university", it.University)
	}
	v.Check(it.Slug == "" || ValidSlug(it.Slug), prefix+"slug", "must be 3 to 60 lower-case letters, digits and single hyphens")
	switch it.Type {
	case ItemCourse:
		v.Check(len(it.CourseIDs) == 0, prefix+"courseIds", "only a specialization has courses")
	case ItemSpecialization:
		v.Check(len(it.CourseIDs) > 0, prefix+"courseIds", "a specialization needs at least one course")
		for i, id := range it.CourseIDs {
			v.Check(itemIDPattern.MatchString(id), fmt.Sprintf("%scourseIds[%d]", prefix, i), "is not a valid course id")
		}
	default:
		v.Add(prefix+"type", "must be %q or %q", ItemCourse, ItemSpecialization)
	}
}

// TrimItem returns the item with the spaces around its texts trimmed.
func TrimItem(it CatalogItem) CatalogItem {
	it.Name = strings.TrimSpace(it.Name)
	it.University = strings.TrimSpace(it.University)
	return it
}
