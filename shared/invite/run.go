package invite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/mail"
)

const (
	// runChunk is how many rows are validated, written, reported and
	// counted together: memory holds one chunk, and counters and progress
	// are written once a chunk rather than once a row.
	runChunk = 250
	// runWriters is how many rows of a chunk are written at once.
	runWriters = 16
	// runReserve is the time a run keeps before its deadline to finish the
	// result file and record the job.
	runReserve = 30 * time.Second
)

// RowStore is what a running import writes with.
type RowStore interface {
	// PutInvitationRow writes one invitation (with its link when tok is
	// set) without touching any counter. It returns ECONFLICT when the
	// email is invited to or a member of the program.
	PutInvitationRow(ctx context.Context, l bo.Learner, tok *bo.InviteToken) error
	// GetLearners returns the program's learners among the email keys, by key.
	GetLearners(ctx context.Context, programID string, emailKeys []string) (map[string]bo.Learner, error)
	// AddInvitationCounts counts n more pending invitations on the program,
	// the contract and the org.
	AddInvitationCounts(ctx context.Context, orgID, programID, contractID string, n int) error
}

// Source reads uploaded files and writes result files.
type Source interface {
	Open(ctx context.Context, key string) (io.ReadCloser, int64, error)
	Writer(ctx context.Context, key, contentType string) io.WriteCloser
}

// Runner processes uploaded import files: the invitation-import function.
type Runner struct {
	svc    *Service
	jobs   JobStore
	rows   RowStore
	src    Source
	logger *slog.Logger
}

// NewRunner returns a Runner.
func NewRunner(svc *Service, jobs JobStore, rows RowStore, src Source, logger *slog.Logger) *Runner {
	return &Runner{svc: svc, jobs: jobs, rows: rows, src: src, logger: logger}
}

// rowResult is one row of a chunk and what became of it.
type rowResult struct {
	row     CSVRow
	email   bo.Email
	outcome Outcome
	reason  string
	learner bo.Learner
	token   string
	tok     *bo.InviteToken
	// needsEmail is set on an invitation whose email is to be queued.
	needsEmail bool
}

// Run processes the uploaded file of an import job: it refuses a file
// over the size or row limit or with wrong headers as a whole, then reads
// the rows in chunks, writes the valid ones (or, in a dry run, only looks
// them up), queues their emails, writes the per-row result file and records
// progress after every chunk. Running a job again (a redelivered event, a
// crash) creates no duplicate invitations and queues no email twice; a job
// already done or failed is left as it is. It returns an error only when
// the job cannot be read or written, or storage fails mid-run (the job is
// then marked failed if possible, and a retry runs it again).
func (r *Runner) Run(ctx context.Context, programID, importID string) error {
	j, err := r.jobs.GetImport(ctx, programID, importID)
	if err != nil {
		return fmt.Errorf("import %s/%s: %w", programID, importID, err)
	}
	if j.Status == JobDone || j.Status == JobFailed {
		r.logger.InfoContext(ctx, "import already finished", slog.String("importId", j.ID), slog.String("status", string(j.Status)))
		return nil
	}
	now := r.svc.Now()
	j.Status, j.StartedAt, j.UpdatedAt = JobRunning, &now, now
	j.Counts = JobCounts{Outcomes: map[Outcome]int{}}
	j.Warnings, j.Error = []string{}, ""
	if err := r.jobs.UpdateImport(ctx, j); err != nil {
		return err
	}
	if err := r.run(ctx, &j); err != nil {
		var refused *bo.Error
		if !errors.As(err, &refused) {
			return err // storage failed: let the event be retried
		}
		j.Status, j.Error = JobFailed, refused.Message
	} else {
		j.Status = JobDone
	}
	end := r.svc.Now()
	j.FinishedAt, j.UpdatedAt = &end, end
	r.logger.InfoContext(ctx, "import finished", slog.String("importId", j.ID), slog.String("status", string(j.Status)),
		slog.Int("rows", j.Counts.RowsDone), slog.Any("outcomes", j.Counts.Outcomes), slog.String("error", j.Error))
	return r.jobs.UpdateImport(ctx, j)
}

// check reads the whole file once to refuse it up front when it is too
// large, has more rows than allowed, wrong headers or a malformed record.
func (r *Runner) check(ctx context.Context, j Job) error {
	f, size, err := r.src.Open(ctx, j.FileKey())
	if err != nil {
		if bo.ErrorCode(err) == bo.ENOTFOUND {
			return bo.Errorf(bo.EINVALID, "the import file was not uploaded")
		}
		return err
	}
	defer f.Close()
	if size > MaxImportBytes {
		return bo.Errorf(bo.ETOOLARGE, "the file has %d bytes; an import file may have at most %d", size, MaxImportBytes)
	}
	cr, err := NewCSVReader(f)
	if err != nil {
		return err
	}
	for {
		if _, err := cr.Next(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

func (r *Runner) run(ctx context.Context, j *Job) error {
	if err := r.check(ctx, *j); err != nil {
		return err
	}
	program, err := r.svc.store.GetProgram(ctx, j.OrgID, j.ProgramID)
	if err != nil {
		return err
	}
	contract, err := r.svc.store.GetContract(ctx, j.OrgID, j.ContractID)
	if err != nil {
		return err
	}
	if contract.Status(r.svc.Now()) == bo.ContractExpired {
		return bo.Errorf(bo.ECONFLICT, "contract %s has expired; import against an active contract", contract.Name)
	}
	org, err := r.svc.store.GetOrg(ctx, j.OrgID)
	if err != nil {
		return err
	}
	f, _, err := r.src.Open(ctx, j.FileKey())
	if err != nil {
		return err
	}
	defer f.Close()
	cr, err := NewCSVReader(f)
	if err != nil {
		return err
	}
	out := r.src.Writer(ctx, j.ResultKey(), "text/csv")
	results, err := NewCSVResultWriter(out, cr.Header())
	if err != nil {
		out.Close()
		return err
	}
	var dups CSVDuplicates
	chunk := make([]rowResult, 0, runChunk)
	flush := func() error {
		// Stop with time to record why rather than be cut off by the
		// function's time limit, which would leave the job running.
		if deadline, ok := ctx.Deadline(); ok && deadline.Sub(r.svc.Now()) < runReserve {
			return bo.Errorf(bo.ELIMIT, "the import ran out of time after %d rows; run it again: rows already invited are "+
				"reported as such and get no second email", j.Counts.RowsDone)
		}
		if err := r.chunk(ctx, j, org, program, chunk); err != nil {
			return err
		}
		for _, res := range chunk {
			if err := results.WriteRow(res.row, res.outcome, res.reason); err != nil {
				return err
			}
			j.Counts.Outcomes[res.outcome]++
		}
		j.Counts.RowsDone += len(chunk)
		j.UpdatedAt = r.svc.Now()
		chunk = chunk[:0]
		return r.jobs.UpdateImport(ctx, *j)
	}
	for {
		row, err := cr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			out.Close()
			return err
		}
		j.Counts.RowsRead++
		res := rowResult{row: row}
		res.email, res.outcome, res.reason = dups.Check(row)
		chunk = append(chunk, res)
		if len(chunk) == runChunk {
			if err := flush(); err != nil {
				out.Close()
				return err
			}
		}
	}
	if err := flush(); err != nil {
		out.Close()
		return err
	}
	if err := results.Flush(); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("write the results of import %s: %w", j.ID, err)
	}
	j.Warnings = r.licenceWarnings(ctx, *j, contract)
	return nil
}

// licenceWarnings warns when the contract's remaining licences cannot
// cover its pending invitations (with those this dry run would add).
func (r *Runner) licenceWarnings(ctx context.Context, j Job, contract bo.Contract) []string {
	if c, err := r.svc.store.GetContract(ctx, j.OrgID, j.ContractID); err == nil {
		contract = c
	}
	pending := contract.Pending
	if j.DryRun {
		pending += j.Counts.Outcomes[OutcomeInvited]
	}
	return LicenceWarnings(contract, pending)
}

// chunk decides the outcome of each valid row of a chunk: in a dry run by
// looking the learners up, for real by writing the invitations; it then
// counts the new invitations and queues their emails.
func (r *Runner) chunk(ctx context.Context, j *Job, org bo.Org, program bo.Program, rows []rowResult) error {
	var valid []int
	for i := range rows {
		if rows[i].outcome == OutcomeOK {
			valid = append(valid, i)
		}
	}
	if len(valid) == 0 {
		return nil
	}
	if j.DryRun {
		return r.lookUp(ctx, j, rows, valid, false)
	}
	now := r.svc.Now()
	var conflicts []int
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, runWriters)
	var wg sync.WaitGroup
	for _, i := range valid {
		res := &rows[i]
		res.learner = bo.Learner{
			OrgID: j.OrgID, ProgramID: j.ProgramID, Email: res.email.Display, EmailKey: res.email.Key,
			FullName: res.row.FullName, ExternalID: res.row.ExternalID, State: bo.StateInvited, ContractID: j.ContractID,
			InvitationID: bo.NewID("inv", now), InvitedAt: &now, ImportID: j.ID, CreatedAt: now, UpdatedAt: now,
		}
		if j.SendEmails {
			token, tok := r.svc.newToken(res.learner, now)
			res.token, res.tok = token, &tok
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			err := r.rows.PutInvitationRow(ctx, res.learner, res.tok)
			mu.Lock()
			defer mu.Unlock()
			switch bo.ErrorCode(err) {
			case "":
				res.outcome, res.needsEmail = OutcomeInvited, j.SendEmails
			case bo.ECONFLICT:
				conflicts = append(conflicts, i)
			default:
				if firstErr == nil {
					firstErr = err
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	created := 0
	for _, i := range valid {
		if rows[i].outcome == OutcomeInvited {
			created++
		}
	}
	if len(conflicts) > 0 {
		if err := r.lookUp(ctx, j, rows, conflicts, true); err != nil {
			return err
		}
	}
	if created > 0 {
		if err := r.rows.AddInvitationCounts(ctx, j.OrgID, j.ProgramID, j.ContractID, created); err != nil {
			return err
		}
	}
	return r.queueEmails(ctx, org, program, rows)
}

// lookUp sets the outcome of rows from the learners already in the
// program. After a failed write (existing true) a learner this same job
// invited in an earlier run counts as invited, and gets its email queued
// if that run did not queue it.
func (r *Runner) lookUp(ctx context.Context, j *Job, rows []rowResult, idx []int, existing bool) error {
	keys := make([]string, len(idx))
	for n, i := range idx {
		keys[n] = rows[i].email.Key
	}
	found, err := r.rows.GetLearners(ctx, j.ProgramID, keys)
	if err != nil {
		return err
	}
	now := r.svc.Now()
	for _, i := range idx {
		res := &rows[i]
		l, ok := found[res.email.Key]
		switch {
		case ok && l.State == bo.StateMember:
			res.outcome, res.reason = OutcomeAlreadyMember, "already a member of this program"
		case ok && l.State == bo.StateInvited && l.ImportID == j.ID:
			res.outcome, res.learner = OutcomeInvited, l
			if j.SendEmails && l.EmailQueuedAt == nil {
				token, tok := r.svc.newToken(l, now)
				if err := r.svc.store.AddToken(ctx, l, tok); err != nil {
					return err
				}
				res.token, res.tok, res.needsEmail = token, &tok, true
			}
		case ok && l.State == bo.StateInvited:
			res.outcome, res.reason = OutcomeAlreadyInvited, "already invited to this program"
		case existing:
			// Written by someone else between our write and this read:
			// report what the row met rather than guess.
			res.outcome, res.reason = OutcomeAlreadyInvited, "invited at the same time by another request"
		default:
			res.outcome = OutcomeInvited // what a real run would do
		}
	}
	return nil
}

// queueEmails queues the invitation emails of the chunk's new invitations
// and records them as queued.
func (r *Runner) queueEmails(ctx context.Context, org bo.Org, program bo.Program, rows []rowResult) error {
	var msgs []mail.Message
	var queued []bo.Learner
	for _, res := range rows {
		if res.needsEmail {
			msgs = append(msgs, r.svc.invitationMessage(org, program, res.learner, res.token, res.tok.ExpiresAt, ""))
			queued = append(queued, res.learner)
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	if err := r.svc.outbox.Publish(ctx, msgs); err != nil {
		return fmt.Errorf("queue %d invitation emails: %w", len(msgs), err)
	}
	now := r.svc.Now()
	sem := make(chan struct{}, runWriters)
	errs := make(chan error, len(queued))
	var wg sync.WaitGroup
	for _, l := range queued {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := r.svc.store.MarkQueued(ctx, l, "emailQueuedAt", now); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}
