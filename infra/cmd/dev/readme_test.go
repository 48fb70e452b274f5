package main

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/learnops/backoffice/infra/local"
	bo "github.com/learnops/backoffice/shared/backoffice"
)

// readmeCurls returns the curl commands of the README's sh blocks, each as
// one line (continuations joined).
func readmeCurls(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	in := false
	for _, line := range strings.Split(strings.ReplaceAll(string(raw), "\\\n", " "), "\n") {
		switch {
		case strings.HasPrefix(line, "```sh"):
			in = true
		case strings.HasPrefix(line, "```"):
			in = false
		case in && strings.HasPrefix(line, "curl "):
			out = append(out, line)
		}
	}
	return out
}

// shellWords splits a command line as sh does for quotes (no escapes inside
// single quotes, none needed inside double quotes here), expanding $NAME
// from vars outside single quotes.
func shellWords(line string, vars map[string]string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	name := regexp.MustCompile(`^[A-Z_]+`)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			cur.WriteString(line[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			j := strings.IndexByte(line[i+1:], '"')
			cur.WriteString(expand(line[i+1:i+1+j], vars, name))
			i += j + 1
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '#' && !inWord:
			return words
		default:
			j := strings.IndexAny(line[i:], " \t'\"")
			if j < 0 {
				j = len(line) - i
			}
			cur.WriteString(expand(line[i:i+j], vars, name))
			i += j - 1
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

func expand(s string, vars map[string]string, name *regexp.Regexp) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			return b.String() + s
		}
		b.WriteString(s[:i])
		n := name.FindString(s[i+1:])
		b.WriteString(vars[n])
		s = s[i+1+len(n):]
	}
}

// TestReadmeExamplesWorkOnTheSeededDemo runs every curl of the README's
// examples, as printed, against make dev's system with its seeded demo,
// with the variables set as the README says (make dev's export line; make
// token for OP_TOKEN): each must succeed, the activity event be recorded.
func TestReadmeExamplesWorkOnTheSeededDemo(t *testing.T) {
	s := startSystem(t)
	var exports []string
	for deadline := time.Now().Add(60 * time.Second); exports == nil; time.Sleep(100 * time.Millisecond) {
		exports = regexp.MustCompile(`export BASE=(\S+) TOKEN=(\S+) ORG_ID=(\S+)`).FindStringSubmatch(s.out.String())
		if exports == nil && time.Now().After(deadline) {
			t.Fatalf("make dev printed no export line:\n%s", s.out.String())
		}
	}
	op, err := local.MintToken(s.secret, local.TokenClaims{Email: "op@example.com", EmailVerified: true, Groups: []string{bo.GroupPlatformOperators}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"BASE": exports[1], "TOKEN": exports[2], "ORG_ID": exports[3], "OP_TOKEN": op}
	curls := readmeCurls(t)
	if len(curls) < 4 {
		t.Fatalf("found %d curl examples in the README: %q", len(curls), curls)
	}
	for _, line := range curls {
		words := shellWords(line, vars)
		method, url, body := "GET", "", ""
		header := http.Header{}
		for i := 1; i < len(words); i++ {
			switch words[i] {
			case "-X":
				i++
				method = words[i]
			case "-H":
				i++
				k, v, _ := strings.Cut(words[i], ": ")
				header.Set(k, v)
			case "-d":
				i++
				body = words[i]
			default:
				url = strings.Replace(words[i], "http://127.0.0.1:8080", s.base, 1)
			}
		}
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		req.Header = header
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		var raw strings.Builder
		buf := make([]byte, 4096)
		n, _ := res.Body.Read(buf)
		raw.Write(buf[:n])
		res.Body.Close()
		if res.StatusCode >= 300 {
			t.Errorf("%s\n  answered %d %s", line, res.StatusCode, raw.String())
		}
		if strings.Contains(url, local.ActivityPath) && !strings.Contains(raw.String(), `"recorded":true`) {
			t.Errorf("%s\n  did not record the event: %s", line, raw.String())
		}
	}
}
