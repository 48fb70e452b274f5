package dynamo

import (
	"context"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/messaging"
)

// MessagingStore is the store as the messaging function uses it (its
// service, planner, unsubscriber and authorizer), as method values of the
// Store and nothing more. The function holds it rather than the Store
// because its binary runs templates, which call methods by name through
// reflection: it keeps every exported method of every type reachable from
// a value held in an interface, so a held *Store would link all of the
// store (and of DynamoDB's operations it calls).
type MessagingStore struct {
	advancePlan          func(context.Context, string, string, string, string) (bool, error)
	campaignCounts       func(context.Context, string) (map[string]int, error)
	capStates            func(context.Context, string, []string) (map[string]messaging.CapState, error)
	countPage            func(context.Context, string, string, map[string]int) error
	deleteDraft          func(context.Context, string, string) error
	listMessages         func(context.Context, string, messaging.Status, string, int) ([]messaging.Message, string, error)
	createMessage        func(context.Context, messaging.Message) error
	getAdmin             func(context.Context, string, string) (bo.Admin, error)
	getLearners          func(context.Context, string, []string) (map[string]bo.Learner, error)
	getMessage           func(context.Context, string, string) (messaging.Message, error)
	getOrg               func(context.Context, string) (bo.Org, error)
	getProgram           func(context.Context, string, string) (bo.Program, error)
	listMembers          func(context.Context, string, bo.MemberQuery) (bo.MemberPage, error)
	listPrograms         func(context.Context, string, bo.Page) ([]bo.Program, string, error)
	markSending          func(context.Context, string, string, []string, string, time.Time) error
	markSent             func(context.Context, string, string, time.Time) error
	messagingSettings    func(context.Context, string) (messaging.Settings, error)
	optOut               func(context.Context, string, string, time.Time) error
	putCap               func(context.Context, string, string, messaging.CapState, time.Time) error
	putDelivery          func(context.Context, messaging.Delivery) (messaging.Delivery, bool, error)
	putMessagingSettings func(context.Context, string, messaging.Settings, time.Time) error
	reachability         func(context.Context, string, []string) (map[string]bo.Reach, error)
	revertSending        func(context.Context, string, string) error
	updateDraft          func(context.Context, messaging.Message) error
}

var (
	_ messaging.Store       = MessagingStore{}
	_ messaging.PlanStore   = MessagingStore{}
	_ messaging.OptOutStore = MessagingStore{}
	_ admin.Admins          = MessagingStore{}
)

// MessagingStore returns the store's MessagingStore.
func (s *Store) MessagingStore() MessagingStore {
	return MessagingStore{
		advancePlan:          s.AdvancePlan,
		campaignCounts:       s.CampaignCounts,
		capStates:            s.CapStates,
		countPage:            s.CountPage,
		createMessage:        s.CreateMessage,
		deleteDraft:          s.DeleteDraft,
		listMessages:         s.ListMessages,
		getAdmin:             s.GetAdmin,
		getLearners:          s.GetLearners,
		getMessage:           s.GetMessage,
		getOrg:               s.GetOrg,
		getProgram:           s.GetProgram,
		listMembers:          s.ListMembers,
		listPrograms:         s.ListPrograms,
		markSending:          s.MarkSending,
		markSent:             s.MarkSent,
		messagingSettings:    s.MessagingSettings,
		optOut:               s.OptOut,
		putCap:               s.PutCap,
		putDelivery:          s.PutDelivery,
		putMessagingSettings: s.PutMessagingSettings,
		reachability:         s.Reachability,
		revertSending:        s.RevertSending,
		updateDraft:          s.UpdateDraft,
	}
}

// AdvancePlan is Store.AdvancePlan.
func (v MessagingStore) AdvancePlan(ctx context.Context, orgID, messageID, from, to string) (bool, error) {
	return v.advancePlan(ctx, orgID, messageID, from, to)
}

// CampaignCounts is Store.CampaignCounts.
func (v MessagingStore) CampaignCounts(ctx context.Context, campaign string) (map[string]int, error) {
	return v.campaignCounts(ctx, campaign)
}

// CapStates is Store.CapStates.
func (v MessagingStore) CapStates(ctx context.Context, orgID string, emailKeys []string) (map[string]messaging.CapState, error) {
	return v.capStates(ctx, orgID, emailKeys)
}

// CountPage is Store.CountPage.
func (v MessagingStore) CountPage(ctx context.Context, campaign, page string, counts map[string]int) error {
	return v.countPage(ctx, campaign, page, counts)
}

// CreateMessage is Store.CreateMessage.
func (v MessagingStore) CreateMessage(ctx context.Context, m messaging.Message) error {
	return v.createMessage(ctx, m)
}

// GetAdmin is Store.GetAdmin.
func (v MessagingStore) GetAdmin(ctx context.Context, orgID, emailKey string) (bo.Admin, error) {
	return v.getAdmin(ctx, orgID, emailKey)
}

// GetLearners is Store.GetLearners.
func (v MessagingStore) GetLearners(ctx context.Context, programID string, emailKeys []string) (map[string]bo.Learner, error) {
	return v.getLearners(ctx, programID, emailKeys)
}

// GetMessage is Store.GetMessage.
func (v MessagingStore) GetMessage(ctx context.Context, orgID, messageID string) (messaging.Message, error) {
	return v.getMessage(ctx, orgID, messageID)
}

// GetOrg is Store.GetOrg.
func (v MessagingStore) GetOrg(ctx context.Context, orgID string) (bo.Org, error) {
	return v.getOrg(ctx, orgID)
}

// GetProgram is Store.GetProgram.
func (v MessagingStore) GetProgram(ctx context.Context, orgID, programID string) (bo.Program, error) {
	return v.getProgram(ctx, orgID, programID)
}

// ListMembers is Store.ListMembers.
func (v MessagingStore) ListMembers(ctx context.Context, programID string, q bo.MemberQuery) (bo.MemberPage, error) {
	return v.listMembers(ctx, programID, q)
}

// ListPrograms is Store.ListPrograms.
func (v MessagingStore) ListPrograms(ctx context.Context, orgID string, page bo.Page) ([]bo.Program, string, error) {
	return v.listPrograms(ctx, orgID, page)
}

// DeleteDraft is Store.DeleteDraft.
func (v MessagingStore) DeleteDraft(ctx context.Context, orgID, messageID string) error {
	return v.deleteDraft(ctx, orgID, messageID)
}

// ListMessages is Store.ListMessages.
func (v MessagingStore) ListMessages(ctx context.Context, orgID string, status messaging.Status, after string, limit int) ([]messaging.Message, string, error) {
	return v.listMessages(ctx, orgID, status, after, limit)
}

// MarkSending is Store.MarkSending.
func (v MessagingStore) MarkSending(ctx context.Context, orgID, messageID string, targets []string, acceptedBy string, at time.Time) error {
	return v.markSending(ctx, orgID, messageID, targets, acceptedBy, at)
}

// MarkSent is Store.MarkSent.
func (v MessagingStore) MarkSent(ctx context.Context, orgID, messageID string, at time.Time) error {
	return v.markSent(ctx, orgID, messageID, at)
}

// MessagingSettings is Store.MessagingSettings.
func (v MessagingStore) MessagingSettings(ctx context.Context, orgID string) (messaging.Settings, error) {
	return v.messagingSettings(ctx, orgID)
}

// OptOut is Store.OptOut.
func (v MessagingStore) OptOut(ctx context.Context, orgID, emailKey string, at time.Time) error {
	return v.optOut(ctx, orgID, emailKey, at)
}

// PutCap is Store.PutCap.
func (v MessagingStore) PutCap(ctx context.Context, orgID, emailKey string, st messaging.CapState, at time.Time) error {
	return v.putCap(ctx, orgID, emailKey, st, at)
}

// PutDelivery is Store.PutDelivery.
func (v MessagingStore) PutDelivery(ctx context.Context, d messaging.Delivery) (messaging.Delivery, bool, error) {
	return v.putDelivery(ctx, d)
}

// PutMessagingSettings is Store.PutMessagingSettings.
func (v MessagingStore) PutMessagingSettings(ctx context.Context, orgID string, s messaging.Settings, at time.Time) error {
	return v.putMessagingSettings(ctx, orgID, s, at)
}

// Reachability is Store.Reachability.
func (v MessagingStore) Reachability(ctx context.Context, orgID string, emailKeys []string) (map[string]bo.Reach, error) {
	return v.reachability(ctx, orgID, emailKeys)
}

// RevertSending is Store.RevertSending.
func (v MessagingStore) RevertSending(ctx context.Context, orgID, messageID string) error {
	return v.revertSending(ctx, orgID, messageID)
}

// UpdateDraft is Store.UpdateDraft.
func (v MessagingStore) UpdateDraft(ctx context.Context, m messaging.Message) error {
	return v.updateDraft(ctx, m)
}
