package main

// The commands: each reads op-node's state or calls op-node's code; nothing here decides a verdict.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ethereum-optimism/optimism/op-node/p2p/store"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/log"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/ping"
	ma "github.com/multiformats/go-multiaddr"
)

type control struct {
	ctx  context.Context
	log  log.Logger
	emit func(event)
	mu   sync.Mutex
	n    *peerNode
}

func (c *control) node() (*peerNode, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		return nil, errors.New("not started")
	}
	return c.n, nil
}

func (c *control) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n != nil {
		_ = c.n.node.Close()
		c.n = nil
	}
}

func decode[T any](raw json.RawMessage) (*T, error) {
	var v T
	if len(raw) == 0 {
		return &v, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("bad params: %w", err)
	}
	return &v, nil
}

func (c *control) handle(req *request) (any, error) {
	switch req.Cmd {
	case "start":
		p, err := decode[startParams](req.Params)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.n != nil {
			return nil, errors.New("already started")
		}
		n, err := startNode(c.ctx, p, c.log, c.emit)
		if err != nil {
			return nil, err
		}
		c.n = n
		h := n.node.Host()
		addrs := []string{}
		for _, a := range h.Addrs() {
			addrs = append(addrs, a.String()+"/p2p/"+h.ID().String())
		}
		res := event{"peerId": h.ID().String(), "addrs": addrs}
		if n.crossSafe != nil {
			res["crossSafeTopic"] = n.crossSafe.name
		}
		return res, nil
	case "stop":
		c.close()
		return event{}, nil
	}
	n, err := c.node()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	switch req.Cmd {
	case "connect":
		p, err := decode[struct{ Addr string }](req.Params)
		if err != nil {
			return nil, err
		}
		m, err := ma.NewMultiaddr(p.Addr)
		if err != nil {
			return nil, err
		}
		info, err := peer.AddrInfoFromP2pAddr(m)
		if err != nil {
			return nil, err
		}
		if err := n.node.Host().Connect(ctx, *info); err != nil {
			return nil, err
		}
		return event{"peerId": info.ID.String()}, nil
	case "publish":
		p, err := decode[publishParams](req.Params)
		if err != nil {
			return nil, err
		}
		return n.publish(ctx, p)
	case "prepare":
		p, err := decode[publishParams](req.Params)
		if err != nil {
			return nil, err
		}
		return n.prepare(p)
	case "publishPrepared":
		p, err := decode[struct{ Handle int }](req.Params)
		if err != nil {
			return nil, err
		}
		return n.publishPrepared(ctx, p.Handle)
	case "msgId":
		p, err := decode[struct {
			Topic string
			Data  hexutil.Bytes
		}](req.Params)
		if err != nil {
			return nil, err
		}
		return event{"msgId": n.msgID(p.Topic, p.Data)}, nil
	case "scores":
		return n.scores(), nil
	case "peers":
		return n.peers(), nil
	case "ping":
		p, err := decode[struct{ Peer string }](req.Params)
		if err != nil {
			return nil, err
		}
		id, err := peer.Decode(p.Peer)
		if err != nil {
			return nil, err
		}
		r := <-ping.Ping(ctx, n.node.Host(), id)
		if r.Error != nil {
			return nil, r.Error
		}
		return event{"rttMs": float64(r.RTT.Microseconds()) / 1000}, nil
	case "topicPeers":
		ps := n.node.GossipSub()
		res := event{}
		for _, t := range ps.GetTopics() {
			ids := []string{}
			for _, id := range ps.ListPeers(t) {
				ids = append(ids, id.String())
			}
			res[t] = ids
		}
		return res, nil
	}
	return nil, fmt.Errorf("unknown command %q", req.Cmd)
}

// scores: op-node's view of each connected peer, as its peerstore holds it (written by op-node's
// scorer SnapshotHook every 15 s, peerScoreInspectFrequency; what its peer monitor bans on).
func (n *peerNode) scores() any {
	eps, _ := n.node.Host().Peerstore().(store.ExtendedPeerstore)
	out := []event{}
	for _, id := range n.node.Peers() {
		e := event{"peerId": id.String()}
		if s, err := n.node.GetPeerScore(id); err == nil {
			e["score"] = s
		}
		if eps != nil {
			if s, err := eps.GetPeerScores(id); err == nil {
				e["scores"] = s
			}
		}
		out = append(out, e)
	}
	return event{"peers": out}
}

// peers: each connection's negotiated security and muxer, and what identify learnt about the peer.
func (n *peerNode) peers() any {
	h := n.node.Host()
	out := []event{}
	for _, conn := range h.Network().Conns() {
		id := conn.RemotePeer()
		st := conn.ConnState()
		agent, _ := h.Peerstore().Get(id, "AgentVersion")
		protos, _ := h.Peerstore().GetProtocols(id)
		ps := []string{}
		for _, p := range protos {
			ps = append(ps, string(p))
		}
		out = append(out, event{
			"peerId":    id.String(),
			"addr":      conn.RemoteMultiaddr().String(),
			"direction": conn.Stat().Direction.String(),
			"security":  string(st.Security),
			"muxer":     string(st.StreamMultiplexer),
			"agent":     agent,
			"protocols": ps,
		})
	}
	return event{"conns": out}
}
