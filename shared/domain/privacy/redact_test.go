package privacy_test

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/learnops/backoffice/shared/domain/privacy"
)

func TestRedactorCSV(t *testing.T) {
	r := privacy.Redactor{EmailKey: "jo@acme.edu", Anon: "anon_1@erased.invalid", Names: []string{"Jo Erased"}, ExternalIDs: []string{"E-77"}}
	for _, tc := range []struct {
		name, in, want string
		changed        bool
	}{
		{"not named: unchanged", "Name,Email\nAnn,ann@acme.edu\n", "Name,Email\nAnn,ann@acme.edu\n", false},
		{"the row naming them, any case", "Name,Email,External Id\nJo Erased,JO@Acme.edu,E-77\nAnn,ann@acme.edu,E-1\n",
			"Name,Email,External Id\n,anon_1@erased.invalid,\nAnn,ann@acme.edu,E-1\n", true},
		{"BOM and CRLF kept", "\uFEFFName,Email\r\njo erased,jo@acme.edu\r\n", "\uFEFFName,Email\r\n,anon_1@erased.invalid\r\n", true},
		{"neutralised name cell", "Name,Email\n'Jo Erased,jo@acme.edu\n", "Name,Email\n,anon_1@erased.invalid\n", true},
		{"an import result line, ragged", "Jo Erased,jo@acme.edu,E-77,invited,\nx,y\n", ",anon_1@erased.invalid,,invited,\nx,y\n", true},
		{"the name elsewhere is another person's", "Name,Email\nJo Erased,other@acme.edu\n", "Name,Email\nJo Erased,other@acme.edu\n", false},
		{"address inside a longer cell", "Note\nsent to jo@acme.edu today\n", "Note\nanon_1@erased.invalid\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, changed, err := r.CSV([]byte(tc.in))
			if err != nil || string(got) != tc.want || changed != tc.changed {
				t.Fatalf("CSV = %q, %v, %v; want %q, %v", got, changed, err, tc.want, tc.changed)
			}
		})
	}
}

func TestRedactorZip(t *testing.T) {
	r := privacy.Redactor{EmailKey: "jo@acme.edu", Anon: "anon_1@erased.invalid", Names: []string{"Jo Erased"}}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{"member-report.csv": "Name,Email\nJo Erased,jo@acme.edu\n", "usage-report.csv": "Email\nann@acme.edu\n"} {
		w, _ := zw.Create(name)
		io.WriteString(w, body)
	}
	zw.Close()
	out, changed, err := r.File("reports/org/rep.zip", buf.Bytes())
	if err != nil || !changed {
		t.Fatalf("Zip: %v, %v", changed, err)
	}
	zr, err := zip.NewReader(bytes.NewReader(out), int64(len(out)))
	if err != nil || len(zr.File) != 2 {
		t.Fatalf("rewritten zip: %v", err)
	}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if strings.Contains(string(b), "jo@acme.edu") || strings.Contains(string(b), "Jo Erased") {
			t.Errorf("%s still names them: %q", f.Name, b)
		}
	}
	if again, changed, err := r.File("reports/org/rep.zip", out); err != nil || changed || !bytes.Equal(again, out) {
		t.Errorf("a second redaction changed the zip: %v, %v", changed, err)
	}
}
