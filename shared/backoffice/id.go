package backoffice

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"strings"
	"time"
)

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns a new identifier with the given prefix, such as "org_…". Its
// first characters encode the time in milliseconds, so identifiers created
// later sort later; the rest are 64 random bits.
func NewID(prefix string, now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli()))
	_, _ = rand.Read(b[8:]) // crypto/rand never fails on supported platforms
	// Drop the two high bytes of the timestamp: 48 bits of milliseconds last
	// until the year 10889.
	return prefix + "_" + strings.ToLower(idEncoding.EncodeToString(b[2:]))
}
