package main

// Signing and publishing as op-node's sequencer does.
//   blocks topics: op-node's GossipOut.SignAndPublishL2Payload (gossip.go) with its local signer
//     (op-service/signer LocalSigner behind op-node/p2p PreparedSigner), which picks the blocks topic
//     by hardfork and signs with SigningDomainBlocksV1.
//   cross-safe: the same encoding (signature ‖ envelope.MarshalSSZ, snappy.Encode — gossip.go
//     PublishSignedL2Payload/publishRawSignedPayload), signed over op-service's
//     BlockSigningMessage.ToSigningHash with the cross-safe domain (LocalSigner.SignBlockV1 fixes the
//     domain to V1, so the hash is built with the same type and signed with the same crypto.Sign).

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/ethereum-optimism/optimism/op-node/p2p"
	"github.com/ethereum-optimism/optimism/op-service/eth"
	opsigner "github.com/ethereum-optimism/optimism/op-service/signer"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/golang/snappy"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
)

type publishParams struct {
	// Topic: "blocks" (op-node's publishing path, topic by hardfork) or "cross-safe".
	Topic string `json:"topic"`
	// Version 1..4 of Payload's encoding (blocks v3/v4 and cross-safe: parentBeaconBlockRoot ‖ SSZ payload).
	Version int `json:"version"`
	// Payload: the signed bytes (no signature).
	Payload hexutil.Bytes `json:"payload"`
	// Key: the sequencer's private key (hex, 32 bytes).
	Key string `json:"key"`
}

func blockVersion(v int) (eth.BlockVersion, error) {
	switch v {
	case 1:
		return eth.BlockV1, nil
	case 2:
		return eth.BlockV2, nil
	case 3:
		return eth.BlockV3, nil
	case 4:
		return eth.BlockV4, nil
	}
	return 0, fmt.Errorf("version %d: want 1..4", v)
}

// decodeEnvelope reads signed bytes with op-node's SSZ decoder, as its validator does.
func decodeEnvelope(v eth.BlockVersion, b []byte) (*eth.ExecutionPayloadEnvelope, error) {
	var env eth.ExecutionPayloadEnvelope
	if v.HasParentBeaconBlockRoot() {
		if err := env.UnmarshalSSZ(v, uint32(len(b)), bytes.NewReader(b)); err != nil {
			return nil, err
		}
		return &env, nil
	}
	var payload eth.ExecutionPayload
	if err := payload.UnmarshalSSZ(v, uint32(len(b)), bytes.NewReader(b)); err != nil {
		return nil, err
	}
	env.ExecutionPayload = &payload
	return &env, nil
}

// encodeEnvelope: op-node's encoding of the signed bytes (gossip.go PublishSignedL2Payload).
func encodeEnvelope(env *eth.ExecutionPayloadEnvelope) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	if env.ParentBeaconBlockRoot != nil {
		_, err = env.MarshalSSZ(&buf)
	} else {
		_, err = env.ExecutionPayload.MarshalSSZ(&buf)
	}
	return buf.Bytes(), err
}

func (n *peerNode) publish(ctx context.Context, p *publishParams) (event, error) {
	v, err := blockVersion(p.Version)
	if err != nil {
		return nil, err
	}
	key, err := crypto.HexToECDSA(trim0x(p.Key))
	if err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	env, err := decodeEnvelope(v, p.Payload)
	if err != nil {
		return nil, fmt.Errorf("op-node cannot decode the payload as v%d: %w", p.Version, err)
	}
	reencoded, err := encodeEnvelope(env)
	if err != nil {
		return nil, fmt.Errorf("op-node cannot encode the payload: %w", err)
	}
	res := event{"number": uint64(env.ExecutionPayload.BlockNumber), "hash": env.ExecutionPayload.BlockHash.Hex(), "reencodedEqual": bytes.Equal(reencoded, p.Payload)}
	switch p.Topic {
	case "blocks":
		prepared := &p2p.PreparedSigner{Signer: opsigner.NewLocalSigner(key)}
		signer, err := prepared.SetupSigner(ctx)
		if err != nil {
			return nil, err
		}
		if err := n.node.GossipOut().SignAndPublishL2Payload(ctx, env, signer); err != nil {
			return nil, err
		}
		return res, nil
	case "cross-safe":
		data, err := n.signCrossSafe(reencoded, key)
		if err != nil {
			return nil, err
		}
		res["msgId"] = n.msgID(n.crossSafe.name, data)
		res["topic"] = n.crossSafe.name
		res["data"] = hexutil.Bytes(data).String()
		if err := n.crossSafe.topic.Publish(ctx, data); err != nil {
			return nil, err
		}
		return res, nil
	}
	return nil, fmt.Errorf("topic %q: want blocks or cross-safe", p.Topic)
}

// signCrossSafe: snappy(signature ‖ signed bytes), the signature over op-service's signing hash with
// the cross-safe domain.
func (n *peerNode) signCrossSafe(signed []byte, key *ecdsa.PrivateKey) ([]byte, error) {
	if n.crossSafe == nil {
		return nil, fmt.Errorf("not started with crossSafe")
	}
	chain := eth.ChainIDFromBig(n.cfg.L2ChainID)
	msg := opsigner.BlockSigningMessage{Domain: n.crossSafe.domain, ChainID: chain, PayloadHash: opsigner.PayloadHash(signed)}
	h := msg.ToSigningHash()
	sig, err := crypto.Sign(h[:], key)
	if err != nil {
		return nil, err
	}
	return snappy.Encode(nil, append(sig, signed...)), nil
}

// prepare signs and encodes a cross-safe message (as publish does) and keeps it for publishPrepared,
// so that a benchmark times the publishing alone.
func (n *peerNode) prepare(p *publishParams) (event, error) {
	v, err := blockVersion(p.Version)
	if err != nil {
		return nil, err
	}
	key, err := crypto.HexToECDSA(trim0x(p.Key))
	if err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	env, err := decodeEnvelope(v, p.Payload)
	if err != nil {
		return nil, err
	}
	reencoded, err := encodeEnvelope(env)
	if err != nil {
		return nil, err
	}
	data, err := n.signCrossSafe(reencoded, key)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.nextHandle++
	n.prepared[n.nextHandle] = data
	return event{"handle": n.nextHandle, "msgId": n.msgID(n.crossSafe.name, data), "bytes": len(data)}, nil
}

func (n *peerNode) publishPrepared(ctx context.Context, handle int) (event, error) {
	n.mu.Lock()
	data, ok := n.prepared[handle]
	delete(n.prepared, handle)
	n.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("no prepared message %d", handle)
	}
	// Publish runs op-node's validator on the message before it returns (pubsub validates local
	// messages too; raw tracers are not told about them), then hands it to the router: t1 is the wire's start.
	t0 := time.Now().UnixMicro()
	if err := n.crossSafe.topic.Publish(ctx, data); err != nil {
		return nil, err
	}
	return event{"t0Us": t0, "t1Us": time.Now().UnixMicro()}, nil
}

// msgID is op-node's message id (gossip.go BuildMsgIdFn), hex.
func (n *peerNode) msgID(topic string, data []byte) string {
	return hex.EncodeToString([]byte(p2p.BuildMsgIdFn(n.cfg)(&pb.Message{Topic: &topic, Data: data})))
}

func trim0x(s string) string {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return s[2:]
	}
	return s
}
