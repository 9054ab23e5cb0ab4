// An SSH server and an SSH client built on Go's golang.org/x/crypto/ssh for the interop tests.
//
//	xcryptossh server HOST_KEY AUTHORIZED_PUBLIC_KEY
//	    User "alice" with the one authorised key; direct-tcpip (dials the target, then accepts the channel),
//	    tcpip-forward (listens; port 0 gets a port of the system's choosing; the reply names the bound port, also
//	    when a port was requested, as some servers do; each connection becomes a forwarded-tcpip channel naming the
//	    bound port) and cancel-tcpip-forward. No sessions. Rekeys every 256 KiB. Prints "listening on port N" on
//	    stderr once bound.
//	xcryptossh client PORT PRIVATE_KEY HOST_PUBLIC_KEY ECHO_PORT PAYLOAD_BYTES REMOTE_PORT
//	    Client.Dial (direct-tcpip) to the echo server, Client.Listen on REMOTE_PORT and on port 0 (tcpip-forward;
//	    each forwarded connection is joined to the echo server), random bytes there and back, compared; then the
//	    listeners are closed (cancel-tcpip-forward). Rekeys every 256 KiB. Prints "<name> ok" per step.
package main

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"

	"golang.org/x/crypto/ssh"
)

type closeWriter interface{ CloseWrite() error }

// rekeyBytes makes both sides start a key re-exchange every 256 KiB: several during each test, with data in flight.
const rekeyBytes = 256 << 10

// splice copies both ways, passing each end of file on as a half-close, and closes both when both are done.
func splice(a, b io.ReadWriteCloser) {
	var wg sync.WaitGroup
	one := func(dst, src io.ReadWriteCloser) {
		defer wg.Done()
		io.Copy(dst, src)
		if c, ok := dst.(closeWriter); ok {
			c.CloseWrite()
		} else {
			dst.Close()
		}
	}
	wg.Add(2)
	go one(a, b)
	go one(b, a)
	wg.Wait()
	a.Close()
	b.Close()
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func readKeys(hostKeyPath, publicKeyPath string) (ssh.Signer, ssh.PublicKey) {
	pem, err := os.ReadFile(hostKeyPath)
	if err != nil {
		fail("%v", err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		fail("private key: %v", err)
	}
	line, err := os.ReadFile(publicKeyPath)
	if err != nil {
		fail("%v", err)
	}
	public, _, _, _, err := ssh.ParseAuthorizedKey(line)
	if err != nil {
		fail("public key: %v", err)
	}
	return signer, public
}

type forwardRequest struct {
	Addr string
	Port uint32
}

type forwardedTCPIP struct {
	Addr       string
	Port       uint32
	OriginAddr string
	OriginPort uint32
}

func serve(hostKeyPath, authorizedPath string) {
	hostKey, authorized := readKeys(hostKeyPath, authorizedPath)
	config := &ssh.ServerConfig{
		Config: ssh.Config{RekeyThreshold: rekeyBytes},
		PublicKeyCallback: func(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if meta.User() == "alice" && bytes.Equal(key.Marshal(), authorized.Marshal()) {
				return nil, nil
			}
			return nil, fmt.Errorf("key not authorised")
		},
	}
	config.AddHostKey(hostKey)
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("%v", err)
	}
	fmt.Fprintf(os.Stderr, "listening on port %d\n", listener.Addr().(*net.TCPAddr).Port)
	for {
		c, err := listener.Accept()
		if err != nil {
			fail("%v", err)
		}
		go serveConnection(c, config)
	}
}

func serveConnection(c net.Conn, config *ssh.ServerConfig) {
	conn, channels, requests, err := ssh.NewServerConn(c, config)
	if err != nil {
		fmt.Fprintf(os.Stderr, "handshake: %v\n", err)
		return
	}
	defer conn.Close()
	var mu sync.Mutex
	listeners := map[string]net.Listener{}
	defer func() {
		mu.Lock()
		for _, l := range listeners {
			l.Close()
		}
		mu.Unlock()
	}()
	go func() {
		for request := range requests {
			var forward forwardRequest
			switch request.Type {
			case "tcpip-forward":
				if ssh.Unmarshal(request.Payload, &forward) != nil {
					request.Reply(false, nil)
					continue
				}
				l, err := net.Listen("tcp", net.JoinHostPort(forward.Addr, strconv.Itoa(int(forward.Port))))
				if err != nil {
					request.Reply(false, nil)
					continue
				}
				bound := uint32(l.Addr().(*net.TCPAddr).Port)
				mu.Lock()
				listeners[net.JoinHostPort(forward.Addr, strconv.Itoa(int(bound)))] = l
				mu.Unlock()
				// The bound port is in every reply, also when a port was named: RFC 4254 7.1 has it only for port 0,
				// some servers send it always, and a client must ignore it.
				request.Reply(true, ssh.Marshal(struct{ Port uint32 }{bound}))
				go func(l net.Listener, addr string, port uint32) {
					for {
						tcp, err := l.Accept()
						if err != nil {
							return
						}
						origin := tcp.RemoteAddr().(*net.TCPAddr)
						go func() {
							channel, reqs, err := conn.OpenChannel("forwarded-tcpip", ssh.Marshal(forwardedTCPIP{addr, port, origin.IP.String(), uint32(origin.Port)}))
							if err != nil {
								tcp.Close()
								return
							}
							go ssh.DiscardRequests(reqs)
							splice(channel, tcp)
						}()
					}
				}(l, forward.Addr, bound)
			case "cancel-tcpip-forward":
				ok := ssh.Unmarshal(request.Payload, &forward) == nil
				key := net.JoinHostPort(forward.Addr, strconv.Itoa(int(forward.Port)))
				mu.Lock()
				l, found := listeners[key]
				delete(listeners, key)
				mu.Unlock()
				if ok && found {
					l.Close()
				}
				request.Reply(ok && found, nil)
			default:
				request.Reply(false, nil)
			}
		}
	}()
	for newChannel := range channels {
		if newChannel.ChannelType() != "direct-tcpip" {
			newChannel.Reject(ssh.UnknownChannelType, "only direct-tcpip")
			continue
		}
		var target forwardedTCPIP
		if ssh.Unmarshal(newChannel.ExtraData(), &target) != nil {
			newChannel.Reject(ssh.ConnectionFailed, "malformed direct-tcpip")
			continue
		}
		go func(newChannel ssh.NewChannel, target forwardedTCPIP) {
			tcp, err := net.Dial("tcp", net.JoinHostPort(target.Addr, strconv.Itoa(int(target.Port))))
			if err != nil {
				newChannel.Reject(ssh.ConnectionFailed, err.Error())
				return
			}
			channel, reqs, err := newChannel.Accept()
			if err != nil {
				tcp.Close()
				return
			}
			go ssh.DiscardRequests(reqs)
			splice(channel, tcp)
		}(newChannel, target)
	}
}

func exchange(c net.Conn, data []byte) ([]byte, error) {
	result := make(chan []byte, 1)
	go func() {
		back, _ := io.ReadAll(c)
		result <- back
	}()
	if _, err := c.Write(data); err != nil {
		return nil, err
	}
	if err := c.(closeWriter).CloseWrite(); err != nil {
		return nil, err
	}
	back := <-result
	c.Close()
	return back, nil
}

func check(name string, data []byte, back []byte, err error) {
	if err != nil {
		fail("%s: %v", name, err)
	}
	if !bytes.Equal(data, back) {
		fail("%s: %d bytes back, not the %d sent", name, len(back), len(data))
	}
	fmt.Println(name + " ok")
}

func forwardToEcho(l net.Listener, echo string) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			tcp, err := net.Dial("tcp", echo)
			if err != nil {
				c.Close()
				return
			}
			splice(c, tcp)
		}()
	}
}

func tcpExchange(address string, data []byte) ([]byte, error) {
	c, err := net.Dial("tcp", address)
	if err != nil {
		return nil, err
	}
	return exchange(c, data)
}

func client(port, keyPath, hostKeyPath, echoPort, payload, remotePort string) {
	signer, hostKey := readKeys(keyPath, hostKeyPath)
	client, err := ssh.Dial("tcp", net.JoinHostPort("127.0.0.1", port), &ssh.ClientConfig{
		Config:          ssh.Config{RekeyThreshold: rekeyBytes},
		User:            "alice",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(hostKey),
		// x/crypto prefers ECDSA host keys: ask for the one known.
		HostKeyAlgorithms: []string{hostKey.Type()},
	})
	if err != nil {
		fail("connect: %v", err)
	}
	defer client.Close()
	size, _ := strconv.Atoi(payload)
	data := make([]byte, size)
	rand.Read(data)
	echo := net.JoinHostPort("127.0.0.1", echoPort)

	c, err := client.Dial("tcp", echo)
	if err != nil {
		fail("Dial: %v", err)
	}
	back, err := exchange(c, data)
	check("Dial", data, back, err)

	fixed, err := client.Listen("tcp", net.JoinHostPort("127.0.0.1", remotePort))
	if err != nil {
		fail("Listen: %v", err)
	}
	go forwardToEcho(fixed, echo)
	back, err = tcpExchange(net.JoinHostPort("127.0.0.1", remotePort), data)
	check("Listen", data, back, err)

	allocated, err := client.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("Listen 0: %v", err)
	}
	go forwardToEcho(allocated, echo)
	back, err = tcpExchange(allocated.Addr().String(), data)
	check("Listen 0", data, back, err)

	if err := allocated.Close(); err != nil {
		fail("Close (port 0): %v", err)
	}
	if err := fixed.Close(); err != nil {
		fail("Close: %v", err)
	}
	fmt.Println("Close ok")
}

func main() {
	if len(os.Args) == 4 && os.Args[1] == "server" {
		serve(os.Args[2], os.Args[3])
	} else if len(os.Args) == 8 && os.Args[1] == "client" {
		client(os.Args[2], os.Args[3], os.Args[4], os.Args[5], os.Args[6], os.Args[7])
	} else {
		fail("usage: xcryptossh server HOST_KEY AUTHORIZED_KEY | client PORT KEY HOST_PUBLIC_KEY ECHO_PORT PAYLOAD_BYTES REMOTE_PORT")
	}
}
