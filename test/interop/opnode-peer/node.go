package main

// Starting op-node's own p2p stack (op-node/p2p NewNodeP2P: host.go Config.Host, gossip.go
// NewGossipSub + JoinGossip, light peer scoring, peer monitor) with the settings op-node's flags
// default to (op-node/flags/p2p_flags.go), plus one topic op-node does not know yet:
// /optimism/<id>/0/cross-safe-blocks (crosssafe.go).

import (
	"context"
	"fmt"
	"math/big"
	"net"
	"sync"
	"time"

	"github.com/ethereum-optimism/optimism/op-node/metrics"
	"github.com/ethereum-optimism/optimism/op-node/p2p"
	"github.com/ethereum-optimism/optimism/op-node/rollup"
	"github.com/ethereum-optimism/optimism/op-service/eth"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/log"
	ds "github.com/ipfs/go-datastore"
	dsync "github.com/ipfs/go-datastore/sync"
	libp2p "github.com/libp2p/go-libp2p"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// startParams is the "start" command: the chain (as op-node's rollup.Config needs it) and the peer's options.
type startParams struct {
	ChainID   uint64            `json:"chainId"`
	BlockTime uint64            `json:"blockTime"`
	Hardforks map[string]uint64 `json:"hardforks"` // canyon … isthmus, jovian: activation timestamps
	// Sequencer is the unsafe-block signer op-node checks signatures against (runtime config).
	Sequencer common.Address `json:"sequencer"`
	// Muxers: "yamux", "mplex" in preference order (op-node --p2p.mux, default "yamux,mplex").
	Muxers []string `json:"muxers"`
	// BlocksThresholdSeconds: op-node --p2p.gossip.timestamp.threshold for the blocks topics (default 60).
	BlocksThresholdSeconds uint64 `json:"blocksThresholdSeconds"`
	// CrossSafe: join /optimism/<id>/0/cross-safe-blocks with op-node's blocks v4 validator.
	CrossSafe *crossSafeParams `json:"crossSafe"`
	// Scoring: op-node --p2p.scoring, "light" (default) or "none".
	Scoring string `json:"scoring"`
}

type crossSafeParams struct {
	// Domain: the 32-byte signing domain the sequencer signs cross-safe attestations with.
	Domain eth.Bytes32 `json:"domain"`
	// ThresholdSeconds: the validator's timestamp threshold; the cross-safe topic has no age limit, so
	// tests raise it past the test blocks' age (it must stay below the current unix time: op-node
	// computes now-threshold in uint64).
	ThresholdSeconds uint64 `json:"thresholdSeconds"`
	// InvalidMessageWeight < 0 adds P4 (invalid message deliveries) scoring on the cross-safe topic as
	// op-follow's relay does (src/relay/gossip-params.ts). NOT op-node: its light params have no topic
	// scores (peer_params.go LightPeerScoreParams, Topics: nil), so a REJECT costs no score there.
	InvalidMessageWeight float64 `json:"invalidMessageWeight"`
}

// runtimeCfg is op-node's GossipRuntimeConfig: the sequencer address from L1's SystemConfig.
type runtimeCfg struct{ addr func() common.Address }

func (r *runtimeCfg) P2PSequencerAddress() common.Address         { return r.addr() }
func (r *runtimeCfg) PreviousP2PSequencerAddress() common.Address { return common.Address{} }
func (r *runtimeCfg) ConfirmCurrentSigner()                       {}

// setup is op-node's own p2p.Config with its ConfigureGossip extended by what a Following-Mode node
// adds: the cross-safe topic in the subscription allow-list (op-node's BuildSubscriptionFilter lists
// the blocks topics only; pubsub.WithSubscriptionFilter, applied last, replaces it) and a raw tracer
// reporting every validation result to the test.
type setup struct {
	*p2p.Config
	extraTopics []string
	tracer      pubsub.RawTracer
}

func (s *setup) ConfigureGossip(cfg *rollup.Config) []pubsub.Option {
	opts := s.Config.ConfigureGossip(cfg)
	filter := &extendedFilter{inner: p2p.BuildSubscriptionFilter(cfg), extra: map[string]bool{}}
	for _, t := range s.extraTopics {
		filter.extra[t] = true
	}
	return append(opts, pubsub.WithSubscriptionFilter(filter), pubsub.WithRawTracer(s.tracer))
}

type extendedFilter struct {
	inner pubsub.SubscriptionFilter
	extra map[string]bool
}

func (f *extendedFilter) CanSubscribe(topic string) bool {
	return f.extra[topic] || f.inner.CanSubscribe(topic)
}

func (f *extendedFilter) FilterIncomingSubscriptions(from peer.ID, subs []*pb.RPC_SubOpts) ([]*pb.RPC_SubOpts, error) {
	// op-node's allow-list filter drops topics it does not know; keep ours too (go-libp2p-pubsub FilterSubscriptions)
	return pubsub.FilterSubscriptions(subs, f.CanSubscribe), nil
}

// gossipIn receives what op-node's blocks-topic subscribers deliver (after its validator ACCEPTed).
type gossipIn struct{ emit func(event) }

func (g *gossipIn) OnUnsafeL2Payload(_ context.Context, from peer.ID, env *eth.ExecutionPayloadEnvelope) error {
	g.emit(payloadEvent("blocks", from, env))
	return nil
}

func payloadEvent(kind string, from peer.ID, env *eth.ExecutionPayloadEnvelope) event {
	return event{"event": "payload", "kind": kind, "from": from.String(), "number": uint64(env.ExecutionPayload.BlockNumber), "hash": env.ExecutionPayload.BlockHash.Hex()}
}

func fork(h map[string]uint64, name string) *uint64 {
	if v, ok := h[name]; ok {
		return &v
	}
	return nil
}

func rollupConfig(p *startParams) *rollup.Config {
	bt := p.BlockTime
	if bt == 0 {
		bt = 2
	}
	return &rollup.Config{
		L2ChainID:    new(big.Int).SetUint64(p.ChainID),
		BlockTime:    bt,
		RegolithTime: fork(p.Hardforks, "regolith"),
		CanyonTime:   fork(p.Hardforks, "canyon"),
		DeltaTime:    fork(p.Hardforks, "delta"),
		EcotoneTime:  fork(p.Hardforks, "ecotone"),
		FjordTime:    fork(p.Hardforks, "fjord"),
		GraniteTime:  fork(p.Hardforks, "granite"),
		HoloceneTime: fork(p.Hardforks, "holocene"),
		IsthmusTime:  fork(p.Hardforks, "isthmus"),
		JovianTime:   fork(p.Hardforks, "jovian"),
	}
}

// p2pConfig is what op-node/p2p/cli/load_config.go NewConfig builds from op-node's default flags,
// except: loopback, port 0, no discovery, in-memory peerstore, and the muxers the test asks for.
func p2pConfig(p *startParams) (*p2p.Config, error) {
	priv, _, err := crypto.GenerateSecp256k1Key(nil)
	if err != nil {
		return nil, err
	}
	conf := &p2p.Config{
		Priv:                     priv.(*crypto.Secp256k1PrivateKey),
		NoDiscovery:              true,
		BanningEnabled:           true,      // --p2p.ban.peers
		BanningThreshold:         -100,      // --p2p.ban.threshold
		BanningDuration:          time.Hour, // --p2p.ban.duration
		ListenIP:                 net.IPv4(127, 0, 0, 1),
		ListenTCPPort:            0,
		HostSecurity:             []libp2p.Option{p2p.NoiseC()}, // --p2p.security noise
		PeersLo:                  20,                            // --p2p.peers.lo
		PeersHi:                  30,                            // --p2p.peers.hi
		PeersGrace:               30 * time.Second,              // --p2p.peers.grace
		MeshD:                    p2p.DefaultMeshD,
		MeshDLo:                  p2p.DefaultMeshDlo,
		MeshDHi:                  p2p.DefaultMeshDhi,
		MeshDLazy:                p2p.DefaultMeshDlazy,
		GossipTimestampThreshold: 60 * time.Second, // --p2p.gossip.timestamp.threshold
		UserAgent:                "optimism",       // --p2p.useragent
		TimeoutNegotiation:       10 * time.Second,
		TimeoutAccept:            10 * time.Second,
		TimeoutDial:              10 * time.Second,
		Store:                    dsync.MutexWrap(ds.NewMapDatastore()), // load_config.go: in-memory when no --p2p.peerstore.path
		EnablePingService:        true,                                  // --p2p.ping
	}
	if p.BlocksThresholdSeconds > 0 {
		conf.GossipTimestampThreshold = time.Duration(p.BlocksThresholdSeconds) * time.Second
	}
	muxers := p.Muxers
	if len(muxers) == 0 {
		muxers = []string{"yamux", "mplex"}
	}
	for _, m := range muxers {
		switch m {
		case "yamux":
			conf.HostMux = append(conf.HostMux, p2p.YamuxC())
		case "mplex":
			conf.HostMux = append(conf.HostMux, p2p.MplexC())
		default:
			return nil, fmt.Errorf("unknown muxer %q (yamux, mplex)", m)
		}
	}
	scoring := p.Scoring
	if scoring == "" {
		scoring = "light"
	}
	params, err := p2p.GetScoringParams(scoring, rollupConfig(p).BlockTime)
	if err != nil {
		return nil, err
	}
	if params != nil && p.CrossSafe != nil && p.CrossSafe.InvalidMessageWeight < 0 {
		slot := time.Duration(rollupConfig(p).BlockTime) * time.Second
		params.PeerScoring.Topics = map[string]*pubsub.TopicScoreParams{
			crossSafeTopicName(rollupConfig(p)): {
				TopicWeight:                    1,
				TimeInMeshQuantum:              time.Second,
				InvalidMessageDeliveriesWeight: p.CrossSafe.InvalidMessageWeight,
				InvalidMessageDeliveriesDecay:  p2p.ScoreDecay(50*6*slot, slot), // 50 epochs, as gossip-params.ts
			},
		}
	}
	conf.ScoringParams = params
	return conf, nil
}

// peerNode is a running op-node p2p stack.
type peerNode struct {
	mu         sync.Mutex
	prepared   map[int][]byte // publishPrepared handles
	nextHandle int
	node       *p2p.NodeP2P
	cfg        *rollup.Config
	conf       *p2p.Config
	crossSafe  *crossSafeTopic
	log        log.Logger
	sequencer  common.Address
}

func startNode(ctx context.Context, p *startParams, lg log.Logger, emit func(event)) (*peerNode, error) {
	if p.ChainID == 0 {
		return nil, fmt.Errorf("chainId is required")
	}
	cfg := rollupConfig(p)
	conf, err := p2pConfig(p)
	if err != nil {
		return nil, err
	}
	n := &peerNode{cfg: cfg, conf: conf, log: lg, sequencer: p.Sequencer, prepared: map[int][]byte{}}
	rc := &runtimeCfg{addr: func() common.Address { return n.sequencer }}
	tr := &tracer{emit: emit}
	s := &setup{Config: conf, tracer: tr}
	if p.CrossSafe != nil {
		s.extraTopics = []string{crossSafeTopicName(cfg)}
	}
	node, err := p2p.NewNodeP2P(ctx, cfg, lg, s, &gossipIn{emit: emit}, nil, rc, metrics.NoopMetrics, nil)
	if err != nil {
		return nil, err
	}
	n.node = node
	tr.self = node.Host().ID()
	if p.CrossSafe != nil {
		cs, err := joinCrossSafe(ctx, n, p.CrossSafe, emit)
		if err != nil {
			_ = node.Close()
			return nil, err
		}
		n.crossSafe = cs
	}
	return n, nil
}
