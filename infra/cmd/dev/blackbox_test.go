package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/learnops/backoffice/infra/local"
	"github.com/learnops/backoffice/shared/testkit/emulator"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
	"github.com/learnops/backoffice/shared/testkit/sestest"
)

// progressBound bounds every wait of these tests on the system's progress
// (an email sent, a queue drained, a job done). The waits end as soon as the
// progress is seen; the bound is generous because another make test beside
// this one on two cores can slow the emulator several times over.
const progressBound = 3 * time.Minute

// system is the whole back office as `make dev` runs it, on resources of
// its own, called over HTTP with real tokens.
type system struct {
	t        *testing.T
	base     string
	secret   []byte
	endpoint string
	sender   string
	names    emulator.Names
	// out is what run printed (the next steps).
	out lockedBuffer
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func startSystem(t *testing.T) *system {
	t.Helper()
	endpoint := emulatortest.Endpoint(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	prefix := emulator.UniquePrefix("bb")
	s := &system{t: t, base: "http://127.0.0.1:" + port, secret: []byte("blackbox-secret"), endpoint: endpoint,
		sender: prefix + "sender@learn.example.com"}
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": endpoint, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
		"PORT": port, "SENDER_EMAIL": s.sender, "DEV_JWT_SECRET": string(s.secret), "LOG_LEVEL": "error",
	} {
		t.Setenv(k, v)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	s.names = emulator.UniqueNames("bb")
	go func() { done <- run(ctx, s.names, &s.out) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	for deadline := time.Now().Add(progressBound); ; {
		if res, err := http.Get(s.base + "/v1/health"); err == nil && res.StatusCode == 200 {
			res.Body.Close()
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("the system did not answer /v1/health within %s", progressBound)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

type caller struct {
	s     *system
	token string
}

func (s *system) as(email string, groups ...string) caller {
	tok, err := local.MintToken(s.secret, local.TokenClaims{Email: email, EmailVerified: true, Groups: groups}, time.Hour)
	if err != nil {
		s.t.Fatal(err)
	}
	return caller{s: s, token: tok}
}

type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (c caller) do(method, path string, body any) reply {
	c.s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.s.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.s.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := reply{status: res.StatusCode, header: res.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func (r reply) must(t *testing.T, status int) reply {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r
}

func (r reply) get(path ...string) any {
	var v any = r.body
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}

func (r reply) str(path ...string) string { s, _ := r.get(path...).(string); return s }

// csv asks for path as CSV (Accept: text/csv) and returns its records.
func (c caller) csv(path string) [][]string {
	c.s.t.Helper()
	req, _ := http.NewRequest("GET", c.s.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "text/csv")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.s.t.Fatal(err)
	}
	defer res.Body.Close()
	rows, err := csv.NewReader(res.Body).ReadAll()
	if err != nil || res.StatusCode != http.StatusOK {
		c.s.t.Fatalf("CSV of %s: status %d, %v", path, res.StatusCode, err)
	}
	return rows
}
func (r reply) num(path ...string) int { f, _ := r.get(path...).(float64); return int(f) }

var acceptLink = regexp.MustCompile(`https://learn\.example\.com/invitations/([A-Za-z0-9_-]+)`)

// tokenFor waits for the invitation email to the address to arrive at the
// endpoint, and returns the token of its accept link.
func (s *system) tokenFor(email string) string {
	s.t.Helper()
	for deadline := time.Now().Add(progressBound); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		for _, m := range sestest.SentFrom(s.t, s.endpoint, s.sender) {
			if len(m.To) == 1 && strings.EqualFold(m.To[0], email) && strings.Contains(m.Subject, "invit") {
				if match := acceptLink.FindStringSubmatch(m.Body); match != nil {
					return match[1]
				}
			}
		}
	}
	s.t.Fatalf("no invitation email to %s arrived", email)
	return ""
}

func (s *system) countSentTo(email string) int {
	n := 0
	for _, m := range sestest.SentFrom(s.t, s.endpoint, s.sender) {
		if len(m.To) == 1 && strings.EqualFold(m.To[0], email) {
			n++
		}
	}
	return n
}

// waitImport polls an import until it ends.
func waitImport(t *testing.T, c caller, path string) reply {
	t.Helper()
	return waitJob(t, c, path)
}

// waitJob polls a background job (an import, a resend, a personal-data
// request) until it ends: ready, done or failed.
func waitJob(t *testing.T, c caller, path string) reply {
	t.Helper()
	for deadline := time.Now().Add(progressBound); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		r := c.do("GET", path, nil).must(t, 200)
		if st := r.str("status"); st == "ready" || st == "done" || st == "failed" {
			return r
		}
	}
	t.Fatalf("job %s did not finish", path)
	return reply{}
}

const messyCSV = "\uFEFF Email ,FULL NAME,external id\r\n" +
	"grace@acme.edu,\"Hopper, Grace\",E2\r\n" +
	"\r\n" +
	"GRACE@ACME.EDU,Grace Again,E3\r\n" +
	"not-an-email,Nobody,E4\r\n" +
	"nameless@acme.edu,,E5\r\n" +
	"ada@acme.edu,Ada Again,\r\n" +
	"linus@acme.edu,Linus,\r\n"

// TestInvitationsBlackBox is the "done when" of the invitations capability,
// run against the local system over HTTP.
func TestInvitationsBlackBox(t *testing.T) {
	s := startSystem(t)
	dean, orgPath, now := s.acme(t)
	contract := dean.do("POST", orgPath+"/contracts", map[string]any{"name": "Seats", "licences": 5,
		"startsAt": now.Add(-time.Hour), "endsAt": now.AddDate(1, 0, 0)}).must(t, 201)
	program := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Data " + s.sender[:8]}).must(t, 201)
	progPath := orgPath + "/programs/" + program.str("id")

	// Invite one learner; a second invitation of the same person is a 409.
	inv := dean.do("POST", progPath+"/invitations", map[string]any{"fullName": "Ada Lovelace", "email": "Ada@Acme.edu",
		"contractId": contract.str("id")}).must(t, 201)
	if inv.get("emailQueued") != true || inv.str("invitation", "state") != "INVITED" || inv.str("program", "id") != program.str("id") {
		t.Fatalf("invitation %s", inv.raw)
	}
	dean.do("POST", progPath+"/invitations", map[string]any{"fullName": "Ada", "email": "ada@acme.edu", "contractId": contract.str("id")}).must(t, 409)
	dean.do("POST", progPath+"/invitations", map[string]any{"fullName": "", "email": "nope", "contractId": contract.str("id")}).must(t, 400)

	// A messy CSV: dry run, then for real.
	dry := dean.do("POST", progPath+"/invitation-imports", map[string]any{"contractId": contract.str("id"), "dryRun": true, "csv": messyCSV}).must(t, 202)
	dry = waitImport(t, dean, progPath+"/invitation-imports/"+dry.str("id"))
	wantOutcomes := map[string]int{"invited": 2, "duplicate": 1, "invalid_email": 1, "missing_name": 1, "already_invited": 1}
	for o, n := range wantOutcomes {
		if got := dry.num("progress", "outcomes", o); got != n {
			t.Errorf("dry run outcome %s = %d, want %d (%s)", o, got, n, dry.raw)
		}
	}
	if n := len(dean.do("GET", progPath+"/invitations", nil).must(t, 200).get("items").([]any)); n != 1 {
		t.Fatalf("the dry run wrote invitations: %d listed", n)
	}
	real := dean.do("POST", progPath+"/invitation-imports", map[string]any{"contractId": contract.str("id"), "csv": messyCSV}).must(t, 202)
	real = waitImport(t, dean, progPath+"/invitation-imports/"+real.str("id"))
	for o, n := range wantOutcomes {
		if got := real.num("progress", "outcomes", o); got != n {
			t.Errorf("import outcome %s = %d, want %d (%s)", o, got, n, real.raw)
		}
	}
	if real.str("resultUrl") == "" {
		t.Fatalf("no result link: %s", real.raw)
	}
	if n := len(dean.do("GET", progPath+"/invitations", nil).must(t, 200).get("items").([]any)); n != 3 {
		t.Fatalf("%d invitations after the import, want 3", n)
	}
	res, err := http.Get(s.base + progPath + "/invitation-imports/template")
	if err != nil || res.StatusCode != 401 {
		t.Fatalf("template without a token: %v %v", res, err)
	}

	// The invitation email arrives with its accept link; only Ada can use it.
	token := s.tokenFor("ada@acme.edu")
	s.as("mallory@evil.example").do("POST", "/v1/invitations/"+token+"/accept", nil).must(t, 403)
	accepted := s.as("ADA@acme.edu").do("POST", "/v1/invitations/"+token+"/accept", nil).must(t, 200)
	if accepted.str("member", "state") != "MEMBER" || accepted.get("alreadyMember") != false {
		t.Fatalf("accept %s", accepted.raw)
	}
	if again := s.as("ada@acme.edu").do("POST", "/v1/invitations/"+token+"/accept", nil).must(t, 200); again.get("alreadyMember") != true {
		t.Fatalf("second accept %s", again.raw)
	}
	c := dean.do("GET", orgPath+"/contracts/"+contract.str("id"), nil).must(t, 200)
	if c.num("used") != 1 || c.num("remaining") != 4 || c.num("pending") != 2 {
		t.Fatalf("contract after one accept: %s", c.raw)
	}
	if o := dean.do("GET", orgPath, nil).must(t, 200); o.num("licences", "used") != 1 || o.num("summary", "joined") != 1 || o.num("summary", "invitationsPending") != 2 || o.num("summary", "invitationsSent") != 3 {
		t.Fatalf("org after one accept: %s", o.raw)
	}

	// Concurrency: ten invitees of a two-licence contract accept at once.
	small := dean.do("POST", orgPath+"/contracts", map[string]any{"name": "Small", "licences": 2,
		"startsAt": now.Add(-time.Hour), "endsAt": now.AddDate(1, 0, 0)}).must(t, 201)
	const n = 10
	var emails []string
	for i := range n {
		e := fmt.Sprintf("rush%02d@acme.edu", i)
		emails = append(emails, e)
		dean.do("POST", progPath+"/invitations", map[string]any{"fullName": "Rush", "email": e, "contractId": small.str("id")}).must(t, 201)
	}
	tokens := make([]string, n)
	for i, e := range emails {
		tokens[i] = s.tokenFor(e)
	}
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			statuses[i] = s.as(emails[i]).do("POST", "/v1/invitations/"+url.PathEscape(tokens[i])+"/accept", nil).status
		})
	}
	wg.Wait()
	ok, full := 0, 0
	for _, st := range statuses {
		switch st {
		case 200:
			ok++
		case 409:
			full++
		}
	}
	sc := dean.do("GET", orgPath+"/contracts/"+small.str("id"), nil).must(t, 200)
	if ok != 2 || full != n-2 || sc.num("used") != 2 {
		t.Fatalf("statuses %v; contract %s — want 2 accepted, %d refused as full, used 2", statuses, sc.raw, n-2)
	}
	if got := s.countSentTo("ada@acme.edu"); got != 2 { // the invitation and the welcome, once each
		t.Errorf("%d emails to ada, want 2 (invitation, welcome)", got)
	}
}

// localToken returns a caller whose token says whether the email is verified.
func localToken(s *system, email string, verified bool) (caller, error) {
	tok, err := local.MintToken(s.secret, local.TokenClaims{Email: email, EmailVerified: verified}, time.Hour)
	return caller{s: s, token: tok}, err
}

// acme creates the organisation Acme, with the org admin dean@acme.edu, as
// a platform operator would, and returns the dean, the org's path and now.
func (s *system) acme(t *testing.T) (caller, string, time.Time) {
	t.Helper()
	org := s.as("op@platform.example.com", "platform-operators").do("POST", "/v1/orgs",
		map[string]any{"name": "Acme", "admins": []any{map[string]any{"email": "dean@acme.edu"}}}).must(t, 201)
	return s.as("dean@acme.edu"), "/v1/orgs/" + org.str("id"), time.Now().UTC()
}

// contract creates a contract of the org running from an hour ago for a
// year, and returns its id.
func (s *system) contract(t *testing.T, admin caller, orgPath, name string, licences int) string {
	t.Helper()
	now := time.Now().UTC()
	return admin.do("POST", orgPath+"/contracts", map[string]any{"name": name, "licences": licences,
		"startsAt": now.Add(-time.Hour), "endsAt": now.AddDate(1, 0, 0)}).must(t, 201).str("id")
}
