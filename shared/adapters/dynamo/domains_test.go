package dynamo_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/whitelist"
)

func TestWhitelistAddListRemove(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 5)
	svc := whitelist.NewService(w.store, w.admin)
	add := func(domain string) error {
		_, err := svc.Add(ctx, w.boss, w.org.ID, w.program.ID, whitelist.NewDomain{Domain: domain, ContractID: w.contract.ID})
		return err
	}
	for _, d := range []string{"acme.edu", "Bücher.example", "beta.acme.edu", "zeta.org"} {
		if err := add(d); err != nil {
			t.Fatalf("add %s: %v", d, err)
		}
	}
	refused := map[string]string{
		"ACME.EDU":              bo.ECONFLICT, // the same domain, normalised
		"xn--bcher-kva.example": bo.ECONFLICT,
		"gmail.com":             bo.EINVALID,
		"@acme.edu":             bo.EINVALID,
		"https://acme.edu":      bo.EINVALID,
		"acme.edu/path":         bo.EINVALID,
		"acme.edu:443":          bo.EINVALID,
		"*.acme.edu":            bo.EINVALID,
		"ac me.edu":             bo.EINVALID,
	}
	for d, code := range refused {
		if err := add(d); bo.ErrorCode(err) != code {
			t.Errorf("add %q: %v, want %s", d, err, code)
		} else if code == bo.EINVALID && bo.ErrorDetails(err)[0].Field != "domain" {
			t.Errorf("add %q: details %v do not name the domain", d, bo.ErrorDetails(err))
		}
	}
	list, next, err := svc.List(ctx, w.boss, w.org.ID, w.program.ID, "", 3, "")
	if err != nil || len(list) != 3 || next == "" || list[0].Domain != "acme.edu" || list[1].Domain != "beta.acme.edu" {
		t.Fatalf("page 1: %+v %q %v", list, next, err)
	}
	rest, next2, err := svc.List(ctx, w.boss, w.org.ID, w.program.ID, "", 3, next)
	if err != nil || len(rest) != 1 || next2 != "" || rest[0].Domain != "zeta.org" {
		t.Fatalf("page 2: %+v %q %v", rest, next2, err)
	}
	found, _, _ := svc.List(ctx, w.boss, w.org.ID, w.program.ID, "XN--", 10, "")
	if len(found) != 1 || found[0].Display != "Bücher.example" {
		t.Fatalf("search: %+v", found)
	}
	if err := svc.Remove(ctx, w.boss, w.org.ID, w.program.ID, "BETA.acme.edu"); err != nil {
		t.Fatal(err)
	}
	if err := svc.Remove(ctx, w.boss, w.org.ID, w.program.ID, "beta.acme.edu"); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("removing twice: %v", err)
	}
	if _, _, err := svc.List(ctx, learner("x@evil.org"), w.org.ID, w.program.ID, "", 10, ""); bo.ErrorCode(err) != bo.EFORBIDDEN {
		t.Fatalf("a stranger lists the whitelist: %v", err)
	}
}

func TestWhitelistImport(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 5)
	svc := whitelist.NewService(w.store, w.admin)
	other, err := w.admin.CreateContract(ctx, w.boss, w.org.ID, adminContract("Other"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Add(ctx, w.boss, w.org.ID, w.program.ID, whitelist.NewDomain{Domain: "old.edu", ContractID: other.ID}); err != nil {
		t.Fatal(err)
	}
	file := "\uFEFFDomain\r\nacme.edu\r\n\r\nbeta.edu\r\nACME.EDU\r\ngmail.com\r\nuser@acme.edu\r\nold.edu\r\n\"gamma.edu\"\r\na.edu,b.edu\r\n"
	in := whitelist.DomainImport{CSV: file, ContractID: w.contract.ID, DryRun: true}
	dry, err := svc.Import(ctx, w.boss, w.org.ID, w.program.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if dry.Added != 3 || dry.Updated != 0 || dry.Skipped != 5 || len(dry.SkippedLines) != 5 {
		t.Fatalf("dry run: %+v", dry)
	}
	reasons := map[int]string{}
	for _, l := range dry.SkippedLines {
		reasons[l.Line] = string(l.Outcome) + ": " + l.Reason
	}
	for line, want := range map[int]string{5: "duplicate of line 2", 6: "public_domain", 7: "invalid", 8: "other_contract", 10: "one domain per line"} {
		if !strings.Contains(reasons[line], want) {
			t.Errorf("line %d: %q, want %q", line, reasons[line], want)
		}
	}
	if list, _, _ := svc.List(ctx, w.boss, w.org.ID, w.program.ID, "", 50, ""); len(list) != 1 {
		t.Fatalf("the dry run wrote: %+v", list)
	}
	in.DryRun, in.UpdateExisting = false, true
	res, err := svc.Import(ctx, w.boss, w.org.ID, w.program.ID, in)
	if err != nil || res.Added != 3 || res.Updated != 1 || res.Skipped != 4 {
		t.Fatalf("import: %+v, %v", res, err)
	}
	old, _ := w.store.GetDomain(ctx, w.program.ID, "old.edu")
	if old.ContractID != w.contract.ID {
		t.Fatalf("old.edu not moved to the import's contract: %+v", old)
	}
	again, _ := svc.Import(ctx, w.boss, w.org.ID, w.program.ID, in)
	if again.Added != 0 || again.Updated != 0 {
		t.Fatalf("importing the same file again changed the whitelist: %+v", again)
	}
	big := strings.Repeat("x.edu\n", whitelist.MaxDomainLines+1)
	if _, err := svc.Import(ctx, w.boss, w.org.ID, w.program.ID, whitelist.DomainImport{CSV: big, ContractID: w.contract.ID}); bo.ErrorCode(err) != bo.ETOOLARGE {
		t.Fatalf("a file over the line limit: %v", err)
	}
	_ = fmt.Sprint
}
