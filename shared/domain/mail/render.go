package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"maps"
	"slices"
	"strings"
	texttemplate "text/template"
	"unicode"
)

// The templates are files under templates/, apart from the Go code that
// picks them. Each template name has three: <name>.subject.txt and <name>.txt
// (text/template) and <name>.html (html/template, which escapes every value
// for its context: text, attribute or URL). layout.html holds the frame and
// the button every HTML email shares.
//
//go:embed templates/*
var templateFiles embed.FS

const (
	layoutFile    = "templates/layout.html"
	subjectSuffix = ".subject.txt"
	// maxSubjectRunes bounds a rendered subject: SES accepts longer ones, but
	// mail clients cut them well before this.
	maxSubjectRunes = 200
)

// Rendered is a message turned into an email: a subject of one line, an HTML
// body and a plain-text body with the same content, and the headers the
// message asks for.
type Rendered struct {
	Subject string
	HTML    string
	Text    string
	// ReplyTo is Message.ReplyTo: when set, the email's Reply-To header.
	ReplyTo string
	// UnsubscribeURL is Message.UnsubscribeURL: when set, the email carries
	// it in List-Unsubscribe and List-Unsubscribe-Post headers (RFC 8058).
	UnsubscribeURL string
}

// templateSet is the three parsed templates of one name.
type templateSet struct {
	subject *texttemplate.Template
	html    *htmltemplate.Template
	text    *texttemplate.Template
}

// templates maps each template name to its parsed set. It is built once, when
// the package is loaded, so that a broken template fails every test at once.
var templates = mustParseTemplates(templateFiles)

// funcs are the functions templates may call besides the built-in ones.
var funcs = map[string]any{
	// dict builds a map from key-value pairs, to pass several values to a
	// shared block: {{template "button" (dict "URL" .AcceptURL "Label" "Accept")}}.
	"dict": func(kv ...string) (map[string]string, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict needs key-value pairs, got %d arguments", len(kv))
		}
		m := make(map[string]string, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m, nil
	},
	// paragraphs splits text into its paragraphs, at blank lines, each
	// trimmed; blank paragraphs are dropped. Templates write each in a
	// <p> of its own, so that an admin's text keeps its shape escaped.
	"paragraphs": Paragraphs,
	// lines splits a paragraph into its lines, for <br> between them.
	"lines": func(s string) []string { return strings.Split(s, "\n") },
}

// Paragraphs splits text into its paragraphs, at blank lines (lines of
// white space only), with line ends normalised to "\n", each paragraph
// trimmed of surrounding white space; blank paragraphs are dropped.
func Paragraphs(text string) []string {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	var out []string
	var cur []string
	flush := func() {
		if p := strings.TrimSpace(strings.Join(cur, "\n")); p != "" {
			out = append(out, p)
		}
		cur = cur[:0]
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		cur = append(cur, strings.TrimRight(line, " \t"))
	}
	flush()
	return out
}

// mustParseTemplates parses every template set found in fsys: a name exists
// when its subject file does, and then its .html and .txt must exist too.
// It panics on a missing or malformed file, which is a bug in this package.
func mustParseTemplates(fsys fs.FS) map[string]templateSet {
	subjects, err := fs.Glob(fsys, "templates/*"+subjectSuffix)
	if err != nil {
		panic(err)
	}
	layout := htmltemplate.Must(htmltemplate.New("layout.html").Option("missingkey=error").Funcs(funcs).ParseFS(fsys, layoutFile))
	sets := make(map[string]templateSet, len(subjects))
	for _, path := range subjects {
		name := strings.TrimSuffix(strings.TrimPrefix(path, "templates/"), subjectSuffix)
		html := htmltemplate.Must(htmltemplate.Must(layout.Clone()).ParseFS(fsys, "templates/"+name+".html"))
		sets[name] = templateSet{
			subject: texttemplate.Must(texttemplate.New(name+subjectSuffix).Option("missingkey=error").Funcs(funcs).ParseFS(fsys, path)),
			html:    html.Lookup(name + ".html"),
			text:    texttemplate.Must(texttemplate.New(name+".txt").Option("missingkey=error").Funcs(funcs).ParseFS(fsys, "templates/"+name+".txt")),
		}
	}
	return sets
}

// TemplateNames returns the names of every template set, sorted.
func TemplateNames() []string {
	names := make([]string, 0, len(templates))
	for n := range templates {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Render turns m into its subject, HTML and text bodies with the templates of
// m.Template and the values of m.Data. Every value is escaped in the HTML
// body; the subject is folded onto one line (every run of white space,
// including CR and LF, becomes one space; control characters are dropped) and
// trimmed, so no value can add a header. It returns an error for an unknown
// template, for data that lacks a key a template uses (each template file
// lists the keys it needs), and for a subject that renders empty. The
// message's ReplyTo and UnsubscribeURL are passed on as they are. The HTML
// body shows m.Logo at its top when it has a URL (Message.WithLogoURL).
func Render(m Message) (Rendered, error) {
	set, ok := templates[m.Template]
	if !ok {
		return Rendered{}, fmt.Errorf("render: unknown template %q (known: %s)", m.Template, strings.Join(TemplateNames(), ", "))
	}
	data := templateData(m)
	var subject, html, text bytes.Buffer
	if err := set.subject.Execute(&subject, data); err != nil {
		return Rendered{}, fmt.Errorf("render %s subject: %w", m.Template, err)
	}
	if err := set.html.Execute(&html, data); err != nil {
		return Rendered{}, fmt.Errorf("render %s HTML: %w", m.Template, err)
	}
	if err := set.text.Execute(&text, data); err != nil {
		return Rendered{}, fmt.Errorf("render %s text: %w", m.Template, err)
	}
	r := Rendered{Subject: oneLine(subject.String()), HTML: strings.TrimSpace(html.String()) + "\n", Text: strings.TrimSpace(text.String()) + "\n",
		ReplyTo: m.ReplyTo, UnsubscribeURL: m.UnsubscribeURL}
	if r.Subject == "" {
		return Rendered{}, fmt.Errorf("render %s subject: the subject is empty", m.Template)
	}
	return r, nil
}

// Keys of a template's data that Render sets from the message's Logo, and
// that no producer's data may set: the layout shows the logo when LogoURL
// is there.
const (
	logoURLKey = "LogoURL"
	logoAltKey = "LogoAlt"
)

// templateData is the data the templates of m are executed with: a copy of
// m.Data with the logo's URL and alternative text when m has a logo with a
// URL, and without them otherwise.
func templateData(m Message) map[string]string {
	data := make(map[string]string, len(m.Data)+2)
	maps.Copy(data, m.Data)
	delete(data, logoURLKey)
	delete(data, logoAltKey)
	if m.Logo != nil && m.Logo.URL != "" {
		data[logoURLKey], data[logoAltKey] = m.Logo.URL, m.Logo.Alt
	}
	return data
}

// oneLine folds s onto one line for a header: runs of white space (CR, LF,
// tabs, Unicode line separators) become one space, other control and format
// characters are dropped, the ends are trimmed, and the result is cut to
// maxSubjectRunes.
func oneLine(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	n := 0
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == unicode.ReplacementChar:
			continue
		}
		if n >= maxSubjectRunes {
			break
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}
