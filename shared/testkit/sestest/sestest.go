// Package sestest reads back, in tests, the emails sent through a local
// AWS-compatible endpoint: moto keeps them at /moto-api/data.json, LocalStack
// (and moto as infra/scripts/moto_server.py runs it) at /_aws/ses. Emails
// sent with SendRawEmail are parsed from their MIME: their headers (such as
// List-Unsubscribe) and both bodies can be asserted.
package sestest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	netmail "net/mail"
	"strings"
	"testing"
	"time"
)

// Sent is one email the endpoint accepted.
type Sent struct {
	ID string
	// From is the Source as sent ("noreply@example.com" or
	// `"Acme" <noreply@example.com>`), or the From header of a raw email
	// sent without one.
	From string
	// To are the ToAddresses as sent, or the addresses of a raw email's To
	// header.
	To []string
	// Subject is the subject, MIME-decoded.
	Subject string
	// Body is the HTML body when the email had one (moto keeps only that
	// part of a SendEmail) and the text body otherwise.
	Body string
	// Text and HTML are the bodies of a raw email, decoded, with LF line ends.
	Text, HTML string
	// Headers are the headers of a raw email (nil for one sent with
	// SendEmail), such as Headers.Get("List-Unsubscribe").
	Headers netmail.Header
	// Raw is the MIME message of a raw email as sent.
	Raw string
}

// motoData is the part of moto's /moto-api/data.json that holds sent emails:
// every model instance moto tracks, by service and model name. moto 5 stores
// a SendEmail as {"id", "source", "subject", "body", "destinations":
// {"ToAddresses": [...], "CcAddresses": [...], ...}} under ses.Message, and
// a SendRawEmail as {"id", "source", "raw_data"} under ses.RawMessage, in
// the order sent, for every account and region of the server.
type motoData struct {
	SES struct {
		Message []struct {
			ID           string              `json:"id"`
			Source       string              `json:"source"`
			Subject      string              `json:"subject"`
			Body         string              `json:"body"`
			Destinations map[string][]string `json:"destinations"`
		} `json:"Message"`
		RawMessage []struct {
			ID      string `json:"id"`
			Source  string `json:"source"`
			RawData string `json:"raw_data"`
		} `json:"RawMessage"`
	} `json:"ses"`
}

// localStackData is LocalStack's /_aws/ses: a raw email has RawData (and no
// Subject, Destination or Body).
type localStackData struct {
	Messages []struct {
		ID          string `json:"Id"`
		Source      string `json:"Source"`
		Subject     string `json:"Subject"`
		RawData     string `json:"RawData"`
		Destination struct {
			ToAddresses []string `json:"ToAddresses"`
		} `json:"Destination"`
		Body struct {
			Text string `json:"text_part"`
			HTML string `json:"html_part"`
		} `json:"Body"`
	} `json:"messages"`
}

// SentEmails returns every email the endpoint has accepted since it started,
// in the order sent: from /_aws/ses (LocalStack, and moto run through
// infra/scripts/moto_server.py), or else from plain moto's data.json. The
// endpoint is shared by every test and keeps emails across runs, so tests
// pick theirs out with a sender address of their own (see SentFrom). It
// calls tb.Fatal when neither answers with emails, or when a raw email does
// not parse as MIME.
func SentEmails(tb testing.TB, endpoint string) []Sent {
	tb.Helper()
	endpoint = strings.TrimRight(endpoint, "/")
	// LocalStack's /_aws/ses first: the project's moto wrapper serves it too,
	// and it is cheap, where moto's data.json dumps the whole server.
	body, status, err := get(endpoint + "/_aws/ses")
	if err == nil && status == http.StatusOK {
		var data localStackData
		if err := json.Unmarshal(body, &data); err != nil {
			tb.Fatalf("sestest: decode /_aws/ses: %v", err)
		}
		out := make([]Sent, 0, len(data.Messages))
		for _, m := range data.Messages {
			if m.RawData != "" {
				out = append(out, parseRaw(tb, m.ID, m.Source, m.RawData))
				continue
			}
			b := m.Body.HTML
			if b == "" {
				b = m.Body.Text
			}
			out = append(out, Sent{ID: m.ID, From: m.Source, To: m.Destination.ToAddresses, Subject: m.Subject, Body: b})
		}
		return out
	}
	body, status, err = get(endpoint + "/moto-api/data.json")
	if err != nil || status != http.StatusOK {
		tb.Fatalf("sestest: %s answers neither /_aws/ses nor /moto-api/data.json (status %d, %v)", endpoint, status, err)
	}
	var data motoData
	if err := json.Unmarshal(body, &data); err != nil {
		tb.Fatalf("sestest: decode moto's data.json: %v", err)
	}
	out := make([]Sent, 0, len(data.SES.Message)+len(data.SES.RawMessage))
	for _, m := range data.SES.Message {
		out = append(out, Sent{ID: m.ID, From: m.Source, To: m.Destinations["ToAddresses"], Subject: m.Subject, Body: m.Body})
	}
	// data.json keeps each kind in its own list: raw emails come after the
	// others here.
	for _, m := range data.SES.RawMessage {
		out = append(out, parseRaw(tb, m.ID, m.Source, m.RawData))
	}
	return out
}

// parseRaw reads a raw email's MIME: headers, subject, recipients and its
// text and HTML bodies (one part, or a multipart of them).
func parseRaw(tb testing.TB, id, source, raw string) Sent {
	tb.Helper()
	msg, err := netmail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		tb.Fatalf("sestest: raw email %s does not parse: %v\n%s", id, err, raw)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		tb.Fatalf("sestest: raw email %s: subject: %v", id, err)
	}
	s := Sent{ID: id, From: source, Subject: subject, Headers: msg.Header, Raw: raw}
	if s.From == "" {
		s.From = msg.Header.Get("From")
	}
	if to, err := msg.Header.AddressList("To"); err == nil {
		for _, a := range to {
			s.To = append(s.To, a.Address)
		}
	}
	if err := readBodies(&s, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body); err != nil {
		tb.Fatalf("sestest: raw email %s: %v", id, err)
	}
	s.Body = s.HTML
	if s.Body == "" {
		s.Body = s.Text
	}
	return s
}

// readBodies reads the text/plain and text/html parts of body, of the given
// content type and transfer encoding, into s, descending into multiparts.
func readBodies(s *Sent, contentType, encoding string, body io.Reader) error {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextRawPart leaves the transfer encoding to readBodies.
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			} else if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			if err := readBodies(s, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		if b, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b))); err != nil {
			return fmt.Errorf("quoted-printable: %w", err)
		}
	case "base64":
		if b, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(b))); err != nil {
			return fmt.Errorf("base64: %w", err)
		}
	}
	// Text travels with CRLF line ends; give it back as it was rendered.
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	switch mediaType {
	case "text/plain":
		s.Text = text
	case "text/html":
		s.HTML = text
	}
	return nil
}

// SentFrom returns the emails of SentEmails whose sender address is address
// (compared case-insensitively, with or without a display name).
func SentFrom(tb testing.TB, endpoint, address string) []Sent {
	tb.Helper()
	var out []Sent
	for _, s := range SentEmails(tb, endpoint) {
		if strings.EqualFold(bareAddress(s.From), address) {
			out = append(out, s)
		}
	}
	return out
}

// bareAddress returns the address inside "Name <address>", or s.
func bareAddress(s string) string {
	if i := strings.LastIndex(s, "<"); i >= 0 && strings.HasSuffix(s, ">") {
		return s[i+1 : len(s)-1]
	}
	return strings.TrimSpace(s)
}

func get(url string) ([]byte, int, error) {
	client := http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return nil, 0, fmt.Errorf("get %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, resp.StatusCode, fmt.Errorf("read %s: %w", url, err)
	}
	return body, resp.StatusCode, nil
}
