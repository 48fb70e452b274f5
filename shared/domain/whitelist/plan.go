package whitelist

import "strconv"

// Result is the plan of a whitelist import: what each line of the file does
// to the whitelist. A dry run shows it as it is; a real import then writes
// Add and Update.
type Result struct {
	// Added, Updated and Skipped count the lines by what they do; every
	// line planned is counted once.
	Added, Updated, Skipped int
	// SkippedLines are the skipped lines, in file order, with their reason.
	SkippedLines []SkippedLine
	// Add are the domains to add to the whitelist with the import's
	// contract, in file order, each once.
	Add []Domain
	// Update are the domains on the whitelist with another contract to move
	// to the import's contract, in file order, each once.
	Update []DomainUpdate
}

// SkippedLine is a line of an import that leaves the whitelist unchanged.
type SkippedLine struct {
	// Line is the line's number in the file (DomainLine.Line).
	Line int
	// Raw is the line's value (DomainLine.Raw).
	Raw string
	// Outcome says why, as a code: OutcomeInvalid, OutcomePublicDomain,
	// OutcomeDuplicate, OutcomeAlreadyWhitelisted or OutcomeOtherContract.
	Outcome Outcome
	// Reason says why, for people.
	Reason string
}

// DomainUpdate is a whitelisted domain to move to the import's contract.
type DomainUpdate struct {
	// Domain is the domain as the import file gives it (its Display may
	// differ from the stored one; its ASCII key is the same).
	Domain Domain
	// PreviousContractID is the contract the domain is whitelisted with
	// now, for a write conditional on it.
	PreviousContractID string
}

// Planner decides, line by line, what an import does with each domain of a
// file, without writing anything: it is the whole logic of an import and of
// its dry run. Make one with NewPlanner, call Add for each line read (in
// file order), then Result.
//
// A line's outcome is, in this order of precedence:
//   - its DomainReader outcome, OutcomeInvalid or OutcomePublicDomain;
//   - OutcomeDuplicate when an earlier line of the file has the same
//     normalised domain (whatever became of that line), with the reason
//     "duplicate of line N";
//   - OutcomeAdded when the domain is not on the whitelist;
//   - OutcomeAlreadyWhitelisted when it is, with the import's contract;
//   - when it is, with another contract: OutcomeUpdated if the import
//     updates existing domains, and OutcomeOtherContract otherwise.
//
// The caller looks up which domains of the file are already whitelisted, and
// with which contract, as suits its store: a batch of lines at a time, say,
// looking up the keys (Domain.ASCII) of the batch's OutcomeOK lines and then
// calling Add for each line of the batch. The Planner keeps one map entry
// per distinct domain (to find duplicates) and the lists of the Result:
// for MaxDomainLines lines, well under 2 MB. It is not safe for concurrent
// use.
type Planner struct {
	contractID     string
	updateExisting bool
	first          map[string]int
	result         Result
}

// NewPlanner returns a planner of an import that whitelists its domains with
// the contract contractID and, when updateExisting is true, moves domains
// already whitelisted with another contract to it.
func NewPlanner(contractID string, updateExisting bool) *Planner {
	return &Planner{contractID: contractID, updateExisting: updateExisting, first: map[string]int{}}
}

// Add plans one line: existing is the contract ID the line's domain
// (line.Domain.ASCII) is whitelisted with now, or nil when it is not on the
// whitelist (existing is not read for a line whose Outcome is not
// OutcomeOK, nor for a duplicate). It returns the line's outcome and, for a
// skipped line, the reason ("" otherwise), and records them in the Result.
func (p *Planner) Add(line DomainLine, existing *string) (Outcome, string) {
	outcome, reason := p.decide(line, existing)
	switch outcome {
	case OutcomeAdded:
		p.result.Added++
		p.result.Add = append(p.result.Add, line.Domain)
	case OutcomeUpdated:
		p.result.Updated++
		p.result.Update = append(p.result.Update, DomainUpdate{Domain: line.Domain, PreviousContractID: *existing})
	default:
		p.result.Skipped++
		p.result.SkippedLines = append(p.result.SkippedLines, SkippedLine{Line: line.Line, Raw: line.Raw, Outcome: outcome, Reason: reason})
	}
	return outcome, reason
}

func (p *Planner) decide(line DomainLine, existing *string) (Outcome, string) {
	if line.Outcome != OutcomeOK {
		reason := line.Reason
		if reason == "" {
			reason = "is not a domain that may be whitelisted"
		}
		return line.Outcome, reason
	}
	key := line.Domain.ASCII
	if first, dup := p.first[key]; dup {
		return OutcomeDuplicate, "duplicate of line " + strconv.Itoa(first)
	}
	p.first[key] = line.Line
	switch {
	case existing == nil:
		return OutcomeAdded, ""
	case *existing == p.contractID:
		return OutcomeAlreadyWhitelisted, "already on the whitelist with this contract"
	case p.updateExisting:
		return OutcomeUpdated, ""
	default:
		return OutcomeOtherContract, "already on the whitelist with another contract (" + *existing +
			"); import with the option to update existing domains to move it to this contract"
	}
}

// Result returns the plan of the lines added so far. Its slices are the
// planner's own: add no line after calling it.
func (p *Planner) Result() Result {
	return p.result
}

// Plan plans an import of lines at once (see Planner): existing maps each
// domain on the whitelist (its key, Domain.ASCII) to the ID of the contract
// it is whitelisted with; contractID is the import's contract;
// updateExisting says whether domains whitelisted with another contract
// move to it. It writes nothing.
func Plan(lines []DomainLine, existing map[string]string, contractID string, updateExisting bool) Result {
	p := NewPlanner(contractID, updateExisting)
	for _, l := range lines {
		var ex *string
		if l.Outcome == OutcomeOK {
			if c, ok := existing[l.Domain.ASCII]; ok {
				ex = &c
			}
		}
		p.Add(l, ex)
	}
	return p.Result()
}
