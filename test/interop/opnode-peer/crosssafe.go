package main

// The cross-safe topic on op-node's gossipsub: joined as op-node's newBlockTopic joins a blocks topic
// (op-node/p2p/gossip.go: RegisterTopicValidator with a 3 s timeout and concurrency 4, Join,
// Subscribe, MakeSubscriber(BlocksHandler)), validated by op-node's own BuildBlocksValidator for
// blocks v4 with the timestamp threshold raised (the cross-safe topic has no age limit).
//
// The one thing op-node cannot do as it is: its validator checks signatures with the blocks signing
// domain only (verifyBlockSignature → opsigner.OPStackP2PBlockAuthV1, Domain() = SigningDomainBlocksV1),
// while cross-safe attestations are signed with their own domain. op-service/signer anticipates
// "a versioned signing domain" (block_auth.go, the OPStackP2PBlockAuth interface), so the signature is
// checked through that interface with the cross-safe domain (domainAuth), and op-node's validator then
// runs every other check unchanged, told through its runtime config which address its domain-0
// recovery of this very signature yields (so its own signature step passes exactly when ours did).

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ethereum-optimism/optimism/op-node/p2p"
	"github.com/ethereum-optimism/optimism/op-node/rollup"
	"github.com/ethereum-optimism/optimism/op-service/eth"
	opsigner "github.com/ethereum-optimism/optimism/op-service/signer"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/golang/snappy"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
)

// maxGossipSize is op-node's (gossip.go maxGossipSize, unexported): 10 MiB.
const maxGossipSize = 10 * (1 << 20)

func crossSafeTopicName(cfg *rollup.Config) string {
	return fmt.Sprintf("/optimism/%s/0/cross-safe-blocks", cfg.L2ChainID.String())
}

type crossSafeTopic struct {
	name   string
	topic  *pubsub.Topic
	sub    *pubsub.Subscription
	domain [32]byte
}

// thresholdConf is op-node's GossipSetupConfigurables with a different timestamp threshold (the only
// method BuildBlocksValidator calls).
type thresholdConf struct {
	*p2p.Config
	threshold time.Duration
}

func (t *thresholdConf) GetGossipTimestampThreshold() time.Duration { return t.threshold }

// domainAuth is op-service's OPStackP2PBlockAuth with a chosen signing domain; its verification is
// OPStackP2PBlockAuthV1.VerifyP2PBlockSignature's (op-service/signer/block_auth.go) with Domain() varied.
type domainAuth struct {
	allowed common.Address
	chain   eth.ChainID
	domain  [32]byte
}

var _ opsigner.OPStackP2PBlockAuth = (*domainAuth)(nil)

func (a *domainAuth) Check(signer common.Address) error {
	v1 := opsigner.OPStackP2PBlockAuthV1{Allowed: a.allowed, Chain: a.chain}
	return v1.Check(signer)
}
func (a *domainAuth) Domain() [32]byte     { return a.domain }
func (a *domainAuth) ChainID() eth.ChainID { return a.chain }
func (a *domainAuth) VerifyP2PBlockSignature(payloadHash common.Hash, signature eth.Bytes65) error {
	addr, err := recoverSigner(a.domain, a.chain, payloadHash, signature)
	if err != nil {
		return err
	}
	return a.Check(addr)
}

// recoverSigner: the address crypto.SigToPub recovers from opsigner's signing hash under `domain`.
func recoverSigner(domain [32]byte, chain eth.ChainID, payloadHash common.Hash, signature eth.Bytes65) (common.Address, error) {
	msg := opsigner.BlockSigningMessage{Domain: domain, ChainID: chain, PayloadHash: payloadHash}
	h := msg.ToSigningHash()
	pub, err := crypto.SigToPub(h[:], signature[:])
	if err != nil {
		return common.Address{}, err
	}
	return crypto.PubkeyToAddress(*pub), nil
}

func joinCrossSafe(ctx context.Context, n *peerNode, p *crossSafeParams, emit func(event)) (*crossSafeTopic, error) {
	ps := n.node.GossipSub()
	name := crossSafeTopicName(n.cfg)
	threshold := time.Duration(p.ThresholdSeconds) * time.Second
	if threshold == 0 {
		threshold = n.conf.GossipTimestampThreshold
	}
	chain := eth.ChainIDFromBig(n.cfg.L2ChainID)
	var mu sync.Mutex
	var alias common.Address // what op-node's validator is told the signer is, per message (under mu)
	opnode := p2p.BuildBlocksValidator(n.log.New("topic", "crossSafe"), n.cfg, &runtimeCfg{addr: func() common.Address { return alias }},
		eth.BlockV4, &thresholdConf{Config: n.conf, threshold: threshold}, nil)
	domain := [32]byte(p.Domain)
	validator := func(ctx context.Context, from peer.ID, msg *pubsub.Message) pubsub.ValidationResult {
		mu.Lock()
		defer mu.Unlock()
		alias = common.Address{} // op-node IGNOREs when it has no signer address
		if sig, payload, ok := splitEnvelope(msg.Data); ok {
			ph := opsigner.PayloadHash(payload)
			block := opsigner.SignedP2PBlock{Raw: payload, Signature: sig}
			if err := block.VerifySignature(&domainAuth{allowed: n.sequencer, chain: chain, domain: domain}); err != nil {
				n.log.Warn("invalid cross-safe signature", "peer", from, "err", err)
				return pubsub.ValidationReject // as verifyBlockSignature: a bad signature REJECTs
			}
			a, err := recoverSigner(opsigner.SigningDomainBlocksV1, chain, ph, sig)
			if err != nil {
				return pubsub.ValidationReject
			}
			alias = a
		}
		// op-node's checks in op-node's order: snappy, size, signature (made to agree with ours above),
		// SSZ, timestamp window, block hash, v4 fields, seen-at-height.
		return opnode(ctx, from, msg)
	}
	if domain == opsigner.SigningDomainBlocksV1 {
		// the blocks domain: op-node's validator exactly as on a blocks topic
		validator = func(ctx context.Context, from peer.ID, msg *pubsub.Message) pubsub.ValidationResult {
			mu.Lock()
			defer mu.Unlock()
			alias = n.sequencer
			return opnode(ctx, from, msg)
		}
	}
	if err := ps.RegisterTopicValidator(name, validator, pubsub.WithValidatorTimeout(3*time.Second), pubsub.WithValidatorConcurrency(4)); err != nil {
		return nil, fmt.Errorf("register cross-safe validator: %w", err)
	}
	topic, err := ps.Join(name)
	if err != nil {
		return nil, fmt.Errorf("join cross-safe topic: %w", err)
	}
	sub, err := topic.Subscribe()
	if err != nil {
		return nil, errors.Join(err, topic.Close())
	}
	handler := p2p.BlocksHandler(func(_ context.Context, from peer.ID, env *eth.ExecutionPayloadEnvelope) error {
		emit(payloadEvent("cross-safe", from, env))
		return nil
	})
	go p2p.MakeSubscriber(n.log.New("topic", "crossSafe"), handler)(ctx, sub)
	return &crossSafeTopic{name: name, topic: topic, sub: sub, domain: domain}, nil
}

// splitEnvelope decompresses a gossip message that op-node's validator would get past its size and
// snappy checks; anything else is left to op-node's validator to REJECT.
func splitEnvelope(data []byte) (eth.Bytes65, []byte, bool) {
	n, err := snappy.DecodedLen(data)
	if err != nil || n > maxGossipSize || n < 66 {
		return eth.Bytes65{}, nil, false
	}
	raw, err := snappy.Decode(nil, data)
	if err != nil {
		return eth.Bytes65{}, nil, false
	}
	return eth.Bytes65(raw[:65]), raw[65:], true
}
