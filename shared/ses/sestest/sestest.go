// Package sestest reads back, in tests, the emails sent through a local
// AWS-compatible endpoint: moto keeps them at /moto-api/data.json, LocalStack
// at /_aws/ses.
package sestest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Sent is one email the endpoint accepted through SendEmail.
type Sent struct {
	ID string
	// From is the Source as sent ("noreply@example.com" or
	// `"Acme" <noreply@example.com>`).
	From string
	// To are the ToAddresses as sent.
	To      []string
	Subject string
	// Body is the HTML body when the email had one (moto keeps only that
	// part) and the text body otherwise.
	Body string
}

// motoData is the part of moto's /moto-api/data.json that holds sent emails:
// every model instance moto tracks, by service and model name. moto 5 stores
// a SendEmail as {"id", "source", "subject", "body", "destinations":
// {"ToAddresses": [...], "CcAddresses": [...], ...}} under ses.Message, in
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
	} `json:"ses"`
}

// localStackData is LocalStack's /_aws/ses.
type localStackData struct {
	Messages []struct {
		ID          string `json:"Id"`
		Source      string `json:"Source"`
		Subject     string `json:"Subject"`
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
// infra/scripts/moto_server.py), or else from plain moto's data.json. The endpoint is shared by every test and keeps emails across runs,
// so tests pick theirs out with a sender address of their own (see SentFrom).
// It calls tb.Fatal when neither answers with emails.
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
	out := make([]Sent, 0, len(data.SES.Message))
	for _, m := range data.SES.Message {
		out = append(out, Sent{ID: m.ID, From: m.Source, To: m.Destinations["ToAddresses"], Subject: m.Subject, Body: m.Body})
	}
	return out
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
