package local

import (
	"html/template"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/learnops/backoffice/shared/backoffice"
)

// SignInPath is the local-only sign-in page of the admin console: the
// stand-in for the hosted sign-in page of the deployment's OIDC issuer. It is
// never deployed.
const SignInPath = "/_local/sign-in"

// ConsoleConfigPath is where the console reads its runtime settings. In AWS
// the stack writes that file beside the bundle; locally the gateway answers
// it, so the built bundle carries no local-only setting.
const ConsoleConfigPath = "/config.json"

// SignInTokenTTL is how long a token from the local sign-in page stays valid.
const SignInTokenTTL = 12 * time.Hour

// ConsoleConfig serves GET ConsoleConfigPath: mode "local" (sign in through
// SignInPath), the API on the same origin.
func ConsoleConfig() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, map[string]string{"mode": "local", "apiUrl": "", "signInUrl": SignInPath})
	})
}

var signInPage = template.Must(template.New("sign-in").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in (local)</title>
<style>
body{font-family:system-ui,sans-serif;background:#f8f9fa;color:#212529;margin:0}
main{max-width:26rem;margin:10vh auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002}
label{display:block;margin:1rem 0 .3rem;font-weight:600}
input[type=email]{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem;border:1px solid #868e96;border-radius:4px}
.check{display:flex;gap:.5rem;align-items:center;font-weight:400}
button{margin-top:1.5rem;padding:.6rem 1.2rem;font-size:1rem;background:#1c5fb8;color:#fff;border:0;border-radius:4px;cursor:pointer}
p.note{color:#495057;font-size:.9rem}
p.error{color:#c92a2a}
</style></head>
<body><main>
<h1>Sign in to the back office</h1>
<p class="note">Local development only (make dev): no password; the token is signed with DEV_JWT_SECRET. In AWS the console signs in through the deployment's OIDC issuer.</p>
{{if .Error}}<p class="error" role="alert" id="email-error">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="return" value="{{.Return}}">
<label for="email">Email address</label>
<input id="email" name="email" type="email" required autocomplete="email" value="{{.Email}}"{{if .Error}} aria-invalid="true" aria-describedby="email-error"{{end}} autofocus>
<label class="check"><input type="checkbox" name="operator" value="1"> Platform operator (may create organisations)</label>
<button type="submit">Sign in</button>
</form>
</main></body></html>
`))

// SignInPage serves SignInPath. GET shows a form (email, platform operator or
// not); POST mints a token for that email (verified, in the
// platform-operators group when ticked) signed with secret, lasting
// SignInTokenTTL, and redirects (303) to the form's return path, a path of
// this origin ("/" otherwise), with the token in the fragment as
// "#id_token=...", which the console reads and keeps in memory. An invalid
// email shows the form again with the error, and the email as typed.
func SignInPage(secret []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ret := localPath(r.FormValue("return"))
		data := struct{ Action, Return, Email, Error string }{Action: SignInPath, Return: ret}
		if r.Method == http.MethodPost {
			data.Email = strings.TrimSpace(r.PostFormValue("email"))
			if at := strings.LastIndex(data.Email, "@"); at < 1 || at == len(data.Email)-1 || strings.ContainsAny(data.Email, " \t\r\n") {
				data.Error = "Enter an email address such as ada@example.com."
			} else {
				claims := TokenClaims{Email: data.Email, EmailVerified: true}
				if r.PostFormValue("operator") != "" {
					claims.Groups = []string{backoffice.GroupPlatformOperators}
				}
				tok, err := MintToken(secret, claims, SignInTokenTTL)
				if err != nil {
					writeError(w, http.StatusInternalServerError, "internal", err.Error())
					return
				}
				w.Header().Set("Cache-Control", "no-store")
				http.Redirect(w, r, ret+"#id_token="+url.QueryEscape(tok), http.StatusSeeOther)
				return
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if data.Error != "" {
			w.WriteHeader(http.StatusBadRequest)
		}
		_ = signInPage.Execute(w, data)
	})
}

// localPath returns p when it is a path of this origin, "/" otherwise (an
// absolute or scheme-relative URL would make the page an open redirect).
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	if u, err := url.Parse(p); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return p
}

// ConsoleFiles serves the built console in dir (web/dist): a file that
// exists as itself, with hashed assets/ cached for good; any other GET or
// HEAD path the console's index.html (its router decides), never cached. It
// returns nil when dir has no index.html.
func ConsoleFiles(dir string) http.Handler {
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
		return nil
	}
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		clean := path.Clean("/" + r.URL.Path)
		if info, err := os.Stat(filepath.Join(dir, filepath.FromSlash(clean))); err == nil && !info.IsDir() {
			if strings.HasPrefix(clean, "/assets/") {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				w.Header().Set("Cache-Control", "no-cache")
			}
			files.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFile(w, r, filepath.Join(dir, "index.html"))
	})
}

// withConsole sends the API's paths (/v1/...) and every method but GET and
// HEAD to the gateway, and the rest to the console.
func withConsole(gateway, console http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/") || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			gateway.ServeHTTP(w, r)
			return
		}
		console.ServeHTTP(w, r)
	})
}
