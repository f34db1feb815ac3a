// discv5-peer: go-ethereum's discv5 (p2p/discover), set up by op-node's own code, as a test peer for
// op-follow's discovery. Driven by JSON lines: one request per line on stdin, one reply per request and
// unsolicited events on stdout. Everything listens on 127.0.0.1, on ports the kernel picks.
//
// Requests ({"id": n, "cmd": ...}):
//
//	bootnode                        a discv5 node with no "opstack" entry (geth's ListenV5 directly);
//	                                replies with its record and its enode:// URL
//	node {chainId, bootnodes}       an op-node discovery node for chainId: op-node/p2p Config.Discovery
//	                                (its ENR gets op-node's own OpStackENRData), with a go-libp2p
//	                                listener at the TCP port in that ENR; inbound libp2p connections
//	                                are reported as {"event":"connected","node":name,"peerId":…}
//	find {node, chainId, peerId, timeoutMs}
//	                                walks the DHT from that node as op-node's DiscoveryProcess does
//	                                (RandomNodes filtered by op-node's FilterEnodes for chainId) until a
//	                                record of peerId turns up; replies with the record as op-node reads it
//	stop                            closes everything and exits (so does the end of stdin)
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/p2p/discover"
	"github.com/ethereum/go-ethereum/p2p/enode"
	"github.com/ethereum/go-ethereum/p2p/enr"
	"github.com/libp2p/go-libp2p"
	lcrypto "github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/ethereum-optimism/optimism/op-node/p2p"
	"github.com/ethereum-optimism/optimism/op-node/rollup"
)

type request struct {
	ID        int      `json:"id"`
	Cmd       string   `json:"cmd"`
	ChainID   uint64   `json:"chainId"`
	Bootnodes []string `json:"bootnodes"`
	Node      string   `json:"node"`
	PeerID    string   `json:"peerId"`
	TimeoutMs int      `json:"timeoutMs"`
}

// record is a node record as op-node reads it (discovery.go enrToAddrInfo, OpStackENRData).
type record struct {
	ENR     string   `json:"enr"`
	PeerID  string   `json:"peerId"`
	IP      string   `json:"ip,omitempty"`
	TCP     int      `json:"tcp"`
	UDP     int      `json:"udp"`
	Opstack *opstack `json:"opstack,omitempty"`
}

type opstack struct {
	ChainID uint64 `json:"chainId"`
	Version uint64 `json:"version"`
}

type discNode struct {
	udp  *discover.UDPv5
	db   *enode.DB
	host host.Host // nil for the bootnode
}

type peerProc struct {
	mu    sync.Mutex // stdout
	out   *json.Encoder
	nodes map[string]*discNode
	n     int
	log   log.Logger
}

func main() {
	p := &peerProc{out: json.NewEncoder(os.Stdout), nodes: map[string]*discNode{}}
	// geth's and op-node's logs on stderr, for a failing test's output
	p.log = log.NewLogger(log.NewTerminalHandlerWithLevel(os.Stderr, log.LevelInfo, false))
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			p.emit(map[string]any{"error": "bad request: " + err.Error()})
			continue
		}
		if req.Cmd == "stop" {
			break
		}
		go p.handle(req) // find blocks; the others are quick
	}
	p.closeAll()
}

func (p *peerProc) emit(v any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.out.Encode(v)
}

func (p *peerProc) handle(req request) {
	var result any
	var err error
	switch req.Cmd {
	case "bootnode":
		result, err = p.startBootnode()
	case "node":
		result, err = p.startNode(req.ChainID, req.Bootnodes)
	case "find":
		result, err = p.find(req)
	default:
		err = fmt.Errorf("unknown cmd %q", req.Cmd)
	}
	if err != nil {
		p.emit(map[string]any{"id": req.ID, "error": err.Error()})
		return
	}
	p.emit(map[string]any{"id": req.ID, "result": result})
}

func (p *peerProc) add(n *discNode) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	name := fmt.Sprintf("n%d", p.n)
	p.nodes[name] = n
	return name
}

func (p *peerProc) get(name string) (*discNode, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n, ok := p.nodes[name]
	if !ok {
		return nil, fmt.Errorf("no node %q", name)
	}
	return n, nil
}

func (p *peerProc) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range p.nodes {
		n.udp.Close()
		n.db.Close()
		if n.host != nil {
			_ = n.host.Close()
		}
	}
}

var loopback = net.IPv4(127, 0, 0, 1).To4()

// startBootnode: geth's discv5 alone, as a bootnode runs it, with no opstack entry.
func (p *peerProc) startBootnode() (map[string]any, error) {
	key, err := crypto.GenerateKey()
	if err != nil {
		return nil, err
	}
	db, err := enode.OpenDB("") // in memory
	if err != nil {
		return nil, err
	}
	ln := enode.NewLocalNode(db, key)
	ln.SetStaticIP(loopback)
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: loopback})
	if err != nil {
		return nil, err
	}
	ln.SetFallbackUDP(conn.LocalAddr().(*net.UDPAddr).Port)
	udp, err := discover.ListenV5(conn, ln, discover.Config{PrivateKey: key, Log: p.log.New("node", "bootnode")})
	if err != nil {
		return nil, err
	}
	name := p.add(&discNode{udp: udp, db: db})
	return map[string]any{"node": name, "enr": ln.Node().String(), "enode": ln.Node().URLv4()}, nil
}

// startNode: a libp2p host on 127.0.0.1 and op-node's discovery for chainID, advertising that host's
// TCP port (op-node/p2p/discovery.go Config.Discovery is handed the port libp2p bound, as op-node's
// host setup does).
func (p *peerProc) startNode(chainID uint64, bootnodes []string) (map[string]any, error) {
	priv, _, err := lcrypto.GenerateSecp256k1Key(nil)
	if err != nil {
		return nil, err
	}
	h, err := libp2p.New(
		libp2p.Identity(priv),
		libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"),
		// as op-node's host (op-node/p2p/host.go): TCP, noise, yamux
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.DisableRelay(),
	)
	if err != nil {
		return nil, err
	}
	tcpPort, err := tcpPortOf(h)
	if err != nil {
		_ = h.Close()
		return nil, err
	}
	db, err := enode.OpenDB("")
	if err != nil {
		_ = h.Close()
		return nil, err
	}
	var boots []*enode.Node
	for _, b := range bootnodes {
		n, err := enode.Parse(enode.ValidSchemes, b)
		if err != nil {
			_ = h.Close()
			return nil, fmt.Errorf("bootnode %q: %w", b, err)
		}
		boots = append(boots, n)
	}
	conf := &p2p.Config{
		Priv:        priv.(*lcrypto.Secp256k1PrivateKey),
		ListenIP:    loopback,
		AdvertiseIP: loopback, // op-node --p2p.advertise.ip
		Bootnodes:   boots,
		DiscoveryDB: db,
	}
	rollupCfg := &rollup.Config{L2ChainID: new(big.Int).SetUint64(chainID)}
	ln, udp, err := conf.Discovery(p.log.New("chain", chainID), rollupCfg, tcpPort)
	if err != nil {
		_ = h.Close()
		return nil, err
	}
	name := p.add(&discNode{udp: udp, db: db, host: h})
	h.Network().Notify(&network.NotifyBundle{ConnectedF: func(_ network.Network, c network.Conn) {
		p.emit(map[string]any{"event": "connected", "node": name, "peerId": c.RemotePeer().String(), "direction": c.Stat().Direction.String()})
	}})
	rec, err := readRecord(ln.Node())
	if err != nil {
		return nil, err
	}
	return map[string]any{"node": name, "record": rec}, nil
}

func tcpPortOf(h host.Host) (uint16, error) {
	for _, a := range h.Addrs() {
		if s, err := a.ValueForProtocol(ma.P_TCP); err == nil {
			var port uint16
			if _, err := fmt.Sscan(s, &port); err == nil {
				return port, nil
			}
		}
	}
	return 0, errors.New("libp2p host has no TCP address")
}

// find walks the DHT from a node with op-node's filter for chainId until peerId's record turns up.
func (p *peerProc) find(req request) (*record, error) {
	n, err := p.get(req.Node)
	if err != nil {
		return nil, err
	}
	timeout := time.Duration(req.TimeoutMs) * time.Millisecond
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	filter := p2p.FilterEnodes(p.log, &rollup.Config{L2ChainID: new(big.Int).SetUint64(req.ChainID)})
	// op-node's DiscoveryProcess: first the table (tableKickoffDelay), then RandomNodes, both filtered
	for _, node := range n.udp.AllNodes() {
		if rec, ok := match(node, filter, req.PeerID); ok {
			return rec, nil
		}
	}
	it := enode.Filter(n.udp.RandomNodes(), filter)
	go func() {
		<-ctx.Done()
		it.Close()
	}()
	for it.Next() {
		if rec, ok := match(it.Node(), filter, req.PeerID); ok {
			return rec, nil
		}
	}
	return nil, fmt.Errorf("no record of %s passing op-node's filter for chain %d within %s", req.PeerID, req.ChainID, timeout)
}

func match(node *enode.Node, filter func(*enode.Node) bool, peerID string) (*record, bool) {
	if !filter(node) {
		return nil, false
	}
	rec, err := readRecord(node)
	if err != nil || rec.PeerID != peerID {
		return nil, false
	}
	return rec, true
}

// readRecord reads a record as op-node does: the libp2p peer id of its secp256k1 key (op-node's
// Secp256k1 entry type, as enrToAddrInfo loads it), its IP and ports (enode.Node), and the raw
// "opstack" entry decoded with binary.ReadUvarint twice, as OpStackENRData.DecodeRLP does (its fields
// are unexported; FilterEnodes, which the caller applies, is op-node's own check of them).
func readRecord(n *enode.Node) (*record, error) {
	var pub p2p.Secp256k1
	if err := n.Load(&pub); err != nil {
		return nil, fmt.Errorf("no secp256k1 key: %w", err)
	}
	id, err := peer.IDFromPublicKey((*lcrypto.Secp256k1PublicKey)(&pub))
	if err != nil {
		return nil, err
	}
	rec := &record{ENR: n.String(), PeerID: id.String(), TCP: n.TCP(), UDP: n.UDP()}
	if ip := n.IP(); ip != nil {
		rec.IP = ip.String()
	}
	var raw []byte
	if err := n.Load(enr.WithEntry("opstack", &raw)); err == nil {
		r := bytes.NewReader(raw)
		c, err1 := binary.ReadUvarint(r)
		v, err2 := binary.ReadUvarint(r)
		if err1 == nil && err2 == nil {
			rec.Opstack = &opstack{ChainID: c, Version: v}
		}
	}
	return rec, nil
}
