package local

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
)

// JSONErrors wraps a listener so that the requests net/http refuses before
// any handler runs (a path with malformed percent-encoding such as
// /v1/orgs/%zz, a request line or header it cannot read) are answered in
// the API's JSON error shape, {"error":{"code":"invalid","message":…}},
// rather than net/http's plain-text "400 Bad Request": a client of the
// local API then reads every 4xx the same way. Everything else passes
// through unchanged.
func JSONErrors(l net.Listener) net.Listener { return jsonErrorListener{l} }

type jsonErrorListener struct{ net.Listener }

// Accept implements net.Listener.
func (l jsonErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return jsonErrorConn{c}, nil
}

type jsonErrorConn struct{ net.Conn }

// serverErrorHeaders are the headers of the answers net/http's server writes
// itself, in one Write, when it cannot read a request; no response of a
// handler looks like it (a handler's answer carries a Date header).
const serverErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// Write implements net.Conn, rewriting net/http's own error answers.
func (c jsonErrorConn) Write(b []byte) (int, error) {
	status, text, ok := serverError(b)
	if !ok {
		return c.Conn.Write(b)
	}
	var body errorBody
	body.Error.Code = "invalid"
	if status == 431 || status == 413 {
		body.Error.Code = "too_large"
	}
	body.Error.Message = "the request cannot be read: " + text
	if status == 400 && text == "400 Bad Request" {
		body.Error.Message = "the request cannot be read: its path has malformed percent-encoding " +
			"(a % must be followed by two hexadecimal digits, like %2F), or its request line or a header is malformed"
	}
	js, _ := json.Marshal(body) // always encodes
	resp := fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, httpStatusText(b), len(js), js)
	if _, err := c.Conn.Write([]byte(resp)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// serverError reports whether b is one of net/http's own error answers and
// returns its status and text.
func serverError(b []byte) (int, string, bool) {
	rest, ok := bytes.CutPrefix(b, []byte("HTTP/1.1 "))
	if !ok {
		return 0, "", false
	}
	line, after, ok := bytes.Cut(rest, []byte("\r\n"))
	if !ok || len(line) < 3 {
		return 0, "", false
	}
	text, ok := bytes.CutPrefix(after, []byte(serverErrorHeaders[2:]))
	if !ok {
		return 0, "", false
	}
	status, err := strconv.Atoi(string(line[:3]))
	if err != nil || status < 400 || status > 599 {
		return 0, "", false
	}
	return status, string(text), true
}

// httpStatusText returns the reason phrase of the status line of b, cut at
// its first colon ("400 Bad Request: missing required Host header").
func httpStatusText(b []byte) string {
	line, _, _ := bytes.Cut(b[len("HTTP/1.1 "):], []byte("\r\n"))
	phrase, _, _ := bytes.Cut(line[min(4, len(line)):], []byte(":"))
	return string(phrase)
}
