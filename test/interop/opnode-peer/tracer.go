package main

// Every validation outcome of op-node's gossipsub, as go-libp2p-pubsub traces it (RawTracer): the
// message id is the one pubsub computed with op-node's BuildMsgIdFn, the result the one op-node's
// validators returned (DeliverMessage = ACCEPT; RejectMessage "validation failed" = REJECT,
// "validation ignored" = IGNORE; other reject reasons are pubsub's own, e.g. a throttled queue).

import (
	"encoding/hex"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

type tracer struct {
	emit func(event)
	self peer.ID
}

var _ pubsub.RawTracer = (*tracer)(nil)

func (t *tracer) message(kind, result string, msg *pubsub.Message) {
	t.emit(event{
		"event":  kind,
		"topic":  msg.GetTopic(),
		"msgId":  hex.EncodeToString([]byte(msg.ID)),
		"from":   msg.ReceivedFrom.String(),
		"local":  msg.ReceivedFrom == t.self,
		"result": result,
		"bytes":  len(msg.Data),
		"atUs":   time.Now().UnixMicro(),
	})
}

func (t *tracer) DeliverMessage(msg *pubsub.Message) { t.message("message", "ACCEPT", msg) }
func (t *tracer) RejectMessage(msg *pubsub.Message, reason string) {
	switch reason {
	case pubsub.RejectValidationFailed:
		t.message("message", "REJECT", msg)
	case pubsub.RejectValidationIgnored:
		t.message("message", "IGNORE", msg)
	default:
		t.message("message", "DROPPED: "+reason, msg)
	}
}
func (t *tracer) DuplicateMessage(msg *pubsub.Message) { t.message("duplicate", "", msg) }

func (t *tracer) AddPeer(peer.ID, protocol.ID)             {}
func (t *tracer) RemovePeer(peer.ID)                       {}
func (t *tracer) OnNewOutboundStream(peer.ID, protocol.ID) {}
func (t *tracer) OnClosedOutboundStream(peer.ID)           {}
func (t *tracer) Join(string)                              {}
func (t *tracer) Leave(string)                             {}
func (t *tracer) Graft(peer.ID, string)                    {}
func (t *tracer) Prune(peer.ID, string)                    {}
func (t *tracer) ValidateMessage(*pubsub.Message)          {}
func (t *tracer) ThrottlePeer(peer.ID)                     {}
func (t *tracer) RecvRPC(*pubsub.RPC)                      {}
func (t *tracer) SendRPC(*pubsub.RPC, peer.ID)             {}
func (t *tracer) DropRPC(*pubsub.RPC, peer.ID)             {}
func (t *tracer) UndeliverableMessage(*pubsub.Message)     {}
