// Package admin is the administration service: organisations, their admins,
// contracts, programs and program catalogues, with the rules of who may do
// what. It knows nothing of Lambda, HTTP or DynamoDB: it talks to storage
// through the Store interface declared here.
package admin

import (
	"context"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// Store is the storage the service needs. Every method returns ENOTFOUND for
// a missing entity, ECONFLICT when a condition it writes under fails, and
// EINVALID for a cursor it did not issue.
type Store interface {
	// CreateOrg writes the org and its first admins, all or nothing.
	CreateOrg(ctx context.Context, org bo.Org, admins []bo.Admin) error
	GetOrg(ctx context.Context, orgID string) (bo.Org, error)
	// UpdateOrgSettings sets the settings given; ENOTFOUND for no org.
	UpdateOrgSettings(ctx context.Context, orgID string, ch OrgSettings, now time.Time) error

	GetAdmin(ctx context.Context, orgID, emailKey string) (bo.Admin, error)
	ListAdmins(ctx context.Context, orgID string, page bo.Page) ([]bo.Admin, string, error)
	// CreateAdmin adds an admin; ECONFLICT if the email is an admin already.
	CreateAdmin(ctx context.Context, a bo.Admin) error
	// UpdateAdminPrograms sets a program admin's programs, if they are
	// still a program admin with the programs read (prev): ECONFLICT
	// otherwise, ENOTFOUND when they are no admin.
	UpdateAdminPrograms(ctx context.Context, a bo.Admin, prev []string) error
	// DeleteAdmin removes an admin; ECONFLICT if it is the org's last org admin.
	DeleteAdmin(ctx context.Context, orgID, emailKey string) error

	CreateContract(ctx context.Context, c bo.Contract) error
	GetContract(ctx context.Context, orgID, contractID string) (bo.Contract, error)
	ListContracts(ctx context.Context, orgID string, page bo.Page) ([]bo.Contract, string, error)
	// UpdateContract applies the change in one conditional write: the
	// licences never below those in use, the end after the start.
	// ELIMIT when fewer licences than in use are asked, EINVALID for an end
	// not after the start, ENOTFOUND for no contract.
	UpdateContract(ctx context.Context, orgID, contractID string, ch ContractEdit, now time.Time) (bo.Contract, error)
	// RenewContract writes next, the renewal of prev, and marks prev
	// renewed by it, in one transaction: ECONFLICT when prev was renewed
	// already, ENOTFOUND when it is gone.
	RenewContract(ctx context.Context, prev bo.Contract, next bo.Contract) error

	// CreateProgram writes the program and claims its slug; ECONFLICT if the
	// slug is taken.
	CreateProgram(ctx context.Context, p bo.Program) error
	GetProgram(ctx context.Context, orgID, programID string) (bo.Program, error)
	// GetProgramBySlug returns the program that holds the slug.
	GetProgramBySlug(ctx context.Context, slug string) (bo.Program, error)
	ListPrograms(ctx context.Context, orgID string, page bo.Page) ([]bo.Program, string, error)
	// UpdateProgram writes name, tagline and enrollment limit.
	UpdateProgram(ctx context.Context, p bo.Program) error
	// DeleteProgram deletes the program, its slug and its collections;
	// ECONFLICT while the program has members.
	DeleteProgram(ctx context.Context, orgID, programID string) error

	// ListCollections returns every collection of the program (a program has
	// at most MaxCollections).
	ListCollections(ctx context.Context, programID string) ([]bo.Collection, error)
	GetCollection(ctx context.Context, programID, collectionID string) (bo.Collection, error)
	// PutCollections writes the collections in one transaction, each
	// conditional on the version it was read at (Version-1 after the caller
	// increments it; a new collection has Version 1 and must not exist).
	PutCollections(ctx context.Context, cs ...bo.Collection) error
	// DeleteCollection deletes a collection read at the given version.
	DeleteCollection(ctx context.Context, c bo.Collection) error

	// GetLibraryItem returns an item of the course library.
	GetLibraryItem(ctx context.Context, id string) (bo.CatalogItem, error)
	// ItemCounts returns the enrolled and completed counts of the items of
	// the program that have any.
	ItemCounts(ctx context.Context, programID string) (map[string]bo.ItemCounts, error)
}
