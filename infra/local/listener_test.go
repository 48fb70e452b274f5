package local

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serveGateway serves the test gateway on a loopback port as Dev.Run does
// (JSONErrors around the listener) and returns its address.
func serveGateway(t *testing.T) (string, *harness) {
	t.Helper()
	h := newHarness(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h.gw, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(JSONErrors(ln)) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String(), h
}

// rawRequest writes the raw request text on conn and reads one response.
func rawRequest(t *testing.T, conn net.Conn, br *bufio.Reader, text string) (*http.Response, map[string]any) {
	t.Helper()
	if _, err := io.WriteString(conn, text); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read response to %q: %v", text, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("%q: body %q is not JSON (Content-Type %q)", text, raw, res.Header.Get("Content-Type"))
	}
	return res, body
}

// TestMalformedPercentEncodingIsAJSONError: paths net/http cannot parse get
// the API's JSON error, code invalid, not net/http's plain text; on a
// fresh connection and on one that served a request before.
func TestMalformedPercentEncodingIsAJSONError(t *testing.T) {
	addr, h := serveGateway(t)
	for _, path := range []string{"/v1/orgs/%zz", "/v1/orgs/%", "/v1/orgs/%2", "/v1/programs/a%g1b", "/%zz/orgs"} {
		for _, reused := range []bool{false, true} {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(conn)
			if reused {
				if res, _ := rawRequest(t, conn, br, "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"); res.StatusCode != 200 {
					t.Fatalf("health: %d", res.StatusCode)
				}
			}
			res, body := rawRequest(t, conn, br, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
			conn.Close()
			if res.StatusCode != 400 || res.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%s (reused %v): %d %q, want 400 application/json", path, reused, res.StatusCode, res.Header.Get("Content-Type"))
			}
			e, _ := body["error"].(map[string]any)
			if e["code"] != "invalid" || !strings.Contains(e["message"].(string), "percent-encoding") {
				t.Errorf("%s: body %v, want error code invalid naming the percent-encoding", path, body)
			}
		}
	}
	// A well-formed escape still reaches its function, decoded.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if res, _ := rawRequest(t, conn, bufio.NewReader(conn), "GET /v1/files/a%20b HTTP/1.1\r\nHost: x\r\n\r\n"); res.StatusCode != 200 ||
		h.fn["admin"].got.PathParameters["key"] != "a b" {
		t.Fatalf("a%%20b: %d, key %q", res.StatusCode, h.fn["admin"].got.PathParameters["key"])
	}
}

// TestServerErrorIsRecognisedExactly: only net/http's own error answers are
// rewritten; a handler's answer (which has a Date header) is not.
func TestServerErrorIsRecognisedExactly(t *testing.T) {
	tests := map[string]bool{
		"HTTP/1.1 400 Bad Request" + serverErrorHeaders + "400 Bad Request":                                              true,
		"HTTP/1.1 431 Request Header Fields Too Large" + serverErrorHeaders + "431 Request Header Fields Too Large":      true,
		"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nDate: x\r\nConnection: close\r\n\r\nbad": false,
		"HTTP/1.1 200 OK" + serverErrorHeaders + "ok":                                                                    false,
		"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}":                      false,
		"GET / HTTP/1.1\r\n\r\n": false,
	}
	for b, want := range tests {
		if _, _, got := serverError([]byte(b)); got != want {
			t.Errorf("serverError(%q) = %v, want %v", b, got, want)
		}
	}
}
