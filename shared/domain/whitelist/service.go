package whitelist

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
)

// Store is the storage the whitelist service needs. Methods return
// ENOTFOUND for a missing entity.
type Store interface {
	// AddDomain whitelists a domain; ECONFLICT when it is whitelisted already.
	AddDomain(ctx context.Context, d bo.WhitelistedDomain) error
	ListDomains(ctx context.Context, programID, prefix string, limit int, cursor string) ([]bo.WhitelistedDomain, string, error)
	DeleteDomain(ctx context.Context, programID, asciiDomain string) error
	// GetDomains returns the whitelisted domains among the keys, by key.
	GetDomains(ctx context.Context, programID string, asciiDomains []string) (map[string]bo.WhitelistedDomain, error)
	// PutDomains writes domains, new or changed.
	PutDomains(ctx context.Context, ds []bo.WhitelistedDomain) error
}

// Authorizer says whether a caller administers a program and which
// contracts may be used (admin.Service).
type Authorizer interface {
	AuthorizeProgram(ctx context.Context, caller bo.Caller, orgID, programID string) (bo.Program, error)
	UsableContract(ctx context.Context, orgID, contractID string) (bo.Contract, error)
}

// Service manages programs' email-domain whitelists for their admins.
type Service struct {
	store Store
	auth  Authorizer
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// NewService returns a Service.
func NewService(store Store, auth Authorizer) *Service {
	return &Service{store: store, auth: auth, Now: func() time.Time { return time.Now().UTC() }}
}

// NewDomain is a request to whitelist one domain with the contract its
// members consume licences from.
type NewDomain struct {
	Domain     string `json:"domain"`
	ContractID string `json:"contractId"`
}

// Add whitelists a domain for the program. It returns EINVALID naming the
// reason for a domain that may not be whitelisted (malformed, or a public
// mail domain) or an unknown contract, ECONFLICT when the domain is on the
// whitelist already or the contract has expired, and the errors of
// AuthorizeProgram.
func (s *Service) Add(ctx context.Context, caller bo.Caller, orgID, programID string, in NewDomain) (bo.WhitelistedDomain, error) {
	if _, err := s.auth.AuthorizeProgram(ctx, caller, orgID, programID); err != nil {
		return bo.WhitelistedDomain{}, err
	}
	d, err := Normalize(in.Domain)
	var v bo.Validation
	if err != nil {
		for _, fe := range bo.ErrorDetails(err) {
			v.Add("domain", "%s", fe.Message)
		}
	}
	v.Check(strings.TrimSpace(in.ContractID) != "", "contractId", "is required")
	if err := v.Err(); err != nil {
		return bo.WhitelistedDomain{}, err
	}
	c, err := s.auth.UsableContract(ctx, orgID, in.ContractID)
	if err != nil {
		return bo.WhitelistedDomain{}, err
	}
	now := s.Now()
	w := bo.WhitelistedDomain{ProgramID: programID, Domain: d.ASCII, Display: d.Display, ContractID: c.ID, CreatedAt: now, UpdatedAt: now}
	ctx = audit.For(ctx, now, orgID, programID, audit.DomainAdd, audit.Target{Type: audit.TargetDomain, ID: d.ASCII},
		audit.Set("display", d.Display, "contractId", c.ID))
	return w, s.store.AddDomain(ctx, w)
}

// List returns a page of the program's whitelisted domains in alphabetical
// order, those whose normalised form starts with search.
func (s *Service) List(ctx context.Context, caller bo.Caller, orgID, programID, search string, limit int, cursor string) ([]bo.WhitelistedDomain, string, error) {
	if _, err := s.auth.AuthorizeProgram(ctx, caller, orgID, programID); err != nil {
		return nil, "", err
	}
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > 100 {
		return nil, "", bo.Invalid("limit must be between 1 and 100", bo.FieldError{Field: "limit", Message: "must be between 1 and 100"})
	}
	return s.store.ListDomains(ctx, programID, strings.ToLower(strings.TrimSpace(search)), limit, cursor)
}

// Remove takes a domain off the whitelist: no one joins by it any more, and
// no member is removed. It returns ENOTFOUND when it is not on the whitelist.
func (s *Service) Remove(ctx context.Context, caller bo.Caller, orgID, programID, domain string) error {
	if _, err := s.auth.AuthorizeProgram(ctx, caller, orgID, programID); err != nil {
		return err
	}
	d, r := normalize(domain)
	if r != nil {
		return bo.Errorf(bo.ENOTFOUND, "%s is not on the whitelist", domain)
	}
	ctx = audit.For(ctx, s.Now(), orgID, programID, audit.DomainRemove, audit.Target{Type: audit.TargetDomain, ID: d.ASCII},
		[]audit.Change{{Field: "domain", Old: d.ASCII}})
	return s.store.DeleteDomain(ctx, programID, d.ASCII)
}

// DomainImport is a request to whitelist the domains of a CSV (one a line,
// an optional header), with a contract; UpdateExisting moves domains
// whitelisted with another contract to this one; DryRun writes nothing.
type DomainImport struct {
	CSV            string `json:"csv"`
	ContractID     string `json:"contractId"`
	UpdateExisting bool   `json:"updateExisting"`
	DryRun         bool   `json:"dryRun"`
}

// ImportResult is the outcome of a domain import, as the guide's
// "Import is complete" shows it.
type ImportResult struct {
	DryRun       bool           `json:"dryRun"`
	Added        int            `json:"added"`
	Updated      int            `json:"updated"`
	Skipped      int            `json:"skipped"`
	SkippedLines []SkippedEntry `json:"skippedLines"`
}

// SkippedEntry is a line the import left alone, with why.
type SkippedEntry struct {
	Line    int     `json:"line"`
	Value   string  `json:"value"`
	Outcome Outcome `json:"outcome"`
	Reason  string  `json:"reason"`
}

// lookUpBatch is how many lines are looked up in the whitelist at once.
const lookUpBatch = 100

// Import whitelists the domains of a CSV with a contract. It returns
// EINVALID for an unreadable file or a bad contract, ETOOLARGE for a file
// over MaxDomainLines lines or MaxDomainBytes bytes, and the errors of
// AuthorizeProgram; bad lines do not fail the import but are skipped with
// their reason.
func (s *Service) Import(ctx context.Context, caller bo.Caller, orgID, programID string, in DomainImport) (ImportResult, error) {
	if _, err := s.auth.AuthorizeProgram(ctx, caller, orgID, programID); err != nil {
		return ImportResult{}, err
	}
	c, err := s.auth.UsableContract(ctx, orgID, in.ContractID)
	if err != nil {
		return ImportResult{}, err
	}
	if strings.TrimSpace(in.CSV) == "" {
		return ImportResult{}, bo.Invalid("csv is required: one domain a line", bo.FieldError{Field: "csv", Message: "is required"})
	}
	planner := NewPlanner(c.ID, in.UpdateExisting)
	r := NewDomainReader(strings.NewReader(in.CSV))
	var batch []DomainLine
	plan := func() error {
		var keys []string
		for _, l := range batch {
			if l.Outcome == OutcomeOK {
				keys = append(keys, l.Domain.ASCII)
			}
		}
		existing, err := s.store.GetDomains(ctx, programID, keys)
		if err != nil {
			return err
		}
		for _, l := range batch {
			var contract *string
			if d, ok := existing[l.Domain.ASCII]; ok && l.Outcome == OutcomeOK {
				contract = &d.ContractID
			}
			planner.Add(l, contract)
		}
		batch = batch[:0]
		return nil
	}
	for {
		line, err := r.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			return ImportResult{}, err
		}
		if batch = append(batch, line); len(batch) == lookUpBatch {
			if err := plan(); err != nil {
				return ImportResult{}, err
			}
		}
	}
	if err := plan(); err != nil {
		return ImportResult{}, err
	}
	res := planner.Result()
	out := ImportResult{DryRun: in.DryRun, Added: res.Added, Updated: res.Updated, Skipped: res.Skipped, SkippedLines: []SkippedEntry{}}
	for _, l := range res.SkippedLines {
		out.SkippedLines = append(out.SkippedLines, SkippedEntry{Line: l.Line, Value: l.Raw, Outcome: l.Outcome, Reason: l.Reason})
	}
	if in.DryRun {
		return out, nil
	}
	now := s.Now()
	writes := make([]bo.WhitelistedDomain, 0, len(res.Add)+len(res.Update))
	for _, d := range res.Add {
		writes = append(writes, bo.WhitelistedDomain{ProgramID: programID, Domain: d.ASCII, Display: d.Display, ContractID: c.ID, CreatedAt: now, UpdatedAt: now})
	}
	if len(res.Update) > 0 {
		keys := make([]string, len(res.Update))
		for i, u := range res.Update {
			keys[i] = u.Domain.ASCII
		}
		current, err := s.store.GetDomains(ctx, programID, keys)
		if err != nil {
			return ImportResult{}, err
		}
		for _, u := range res.Update {
			d, ok := current[u.Domain.ASCII]
			if !ok {
				continue // removed since the plan was made: nothing to move
			}
			d.ContractID, d.UpdatedAt = c.ID, now
			writes = append(writes, d)
		}
	}
	ctx = audit.For(ctx, now, orgID, programID, audit.DomainImport, audit.Target{Type: audit.TargetProgram, ID: programID},
		audit.Set("contractId", c.ID, "added", strconv.Itoa(out.Added), "updated", strconv.Itoa(out.Updated),
			"skipped", strconv.Itoa(out.Skipped)))
	if err := s.store.PutDomains(ctx, writes); err != nil {
		return ImportResult{}, fmt.Errorf("write %d whitelisted domains: %w", len(writes), err)
	}
	return out, nil
}

// Template returns the CSV template of a domain import to admins of the
// program; others get the errors of AuthorizeProgram.
func (s *Service) Template(ctx context.Context, caller bo.Caller, orgID, programID string) ([]byte, error) {
	if _, err := s.auth.AuthorizeProgram(ctx, caller, orgID, programID); err != nil {
		return nil, err
	}
	return CSVTemplate, nil
}
