// tcp_rendezvous.cpp — see tcp_rendezvous.h. POSIX sockets; every connection carries a 8-byte
// magic and the payload size first, so a stray client or a mismatched build is refused.
#include "engine/dist/tcp_rendezvous.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "engine/check.h"

namespace syn::dist {

namespace {

constexpr char kMagic[8] = {'S', 'Y', 'N', 'R', 'D', 'V', '0', '1'};

using Clock = std::chrono::steady_clock;

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

double seconds_left(Clock::time_point deadline) {
  return std::chrono::duration<double>(deadline - Clock::now()).count();
}

// Waits until fd is ready for `events` or the deadline passes.
void wait_ready(int fd, short events, Clock::time_point deadline, const std::string& where,
                const char* what) {
  for (;;) {
    double left = seconds_left(deadline);
    SYN_CHECK(left > 0, where, ": rendezvous ", what, " timed out");
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, (int)std::min(left * 1000.0 + 1, 1000.0));
    if (rc > 0) return;
    SYN_CHECK(rc == 0 || errno == EINTR, where, ": rendezvous ", what,
              " failed: ", std::strerror(errno));
  }
}

void send_all(int fd, const void* data, size_t n, Clock::time_point deadline,
              const std::string& where) {
  const char* p = (const char*)data;
  while (n > 0) {
    wait_ready(fd, POLLOUT, deadline, where, "send");
    ssize_t k = ::send(fd, p, n, MSG_NOSIGNAL);
    SYN_CHECK(k > 0 || errno == EINTR || errno == EAGAIN, where,
              ": rendezvous send failed: ", std::strerror(errno));
    if (k > 0) p += k, n -= (size_t)k;
  }
}

void recv_all(int fd, void* data, size_t n, Clock::time_point deadline, const std::string& where) {
  char* p = (char*)data;
  while (n > 0) {
    wait_ready(fd, POLLIN, deadline, where, "receive");
    ssize_t k = ::recv(fd, p, n, 0);
    SYN_CHECK(k != 0, where, ": rendezvous: rank 0 closed the connection early");
    SYN_CHECK(k > 0 || errno == EINTR || errno == EAGAIN, where,
              ": rendezvous receive failed: ", std::strerror(errno));
    if (k > 0) p += k, n -= (size_t)k;
  }
}

void serve(const void* bytes, size_t n, int world, int port, Clock::time_point deadline,
           const std::string& where) {
  Fd listener(::socket(AF_INET6, SOCK_STREAM, 0));
  bool v6 = listener.fd >= 0;
  if (!v6) listener.fd = ::socket(AF_INET, SOCK_STREAM, 0);
  SYN_CHECK(listener.fd >= 0, where, ": rendezvous socket: ", std::strerror(errno));
  int one = 1, zero = 0;
  ::setsockopt(listener.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc;
  if (v6) {
    ::setsockopt(listener.fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);  // IPv4 too
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_any;
    a.sin6_port = htons((uint16_t)port);
    rc = ::bind(listener.fd, (sockaddr*)&a, sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    a.sin_port = htons((uint16_t)port);
    rc = ::bind(listener.fd, (sockaddr*)&a, sizeof a);
  }
  SYN_CHECK(rc == 0, where, ": rendezvous cannot listen on port ", port,
            " (MASTER_PORT): ", std::strerror(errno));
  SYN_CHECK(::listen(listener.fd, world) == 0, where,
            ": rendezvous listen: ", std::strerror(errno));
  const uint64_t size = n;
  for (int served = 1; served < world; ++served) {
    wait_ready(listener.fd, POLLIN, deadline, where,
               str_cat("waiting for rank connections (", served - 1, " of ", world - 1, " arrived)")
                   .c_str());
    Fd peer(::accept(listener.fd, nullptr, nullptr));
    SYN_CHECK(peer.fd >= 0, where, ": rendezvous accept: ", std::strerror(errno));
    send_all(peer.fd, kMagic, sizeof kMagic, deadline, where);
    send_all(peer.fd, &size, sizeof size, deadline, where);
    send_all(peer.fd, bytes, n, deadline, where);
    char ack = 0;  // the peer has everything: closing now loses nothing
    recv_all(peer.fd, &ack, 1, deadline, where);
  }
}

void fetch(void* bytes, size_t n, const std::string& addr, int port, Clock::time_point deadline,
           const std::string& where) {
  addrinfo hints{}, *found = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  const std::string port_text = std::to_string(port);
  int rc = ::getaddrinfo(addr.c_str(), port_text.c_str(), &hints, &found);
  SYN_CHECK(rc == 0 && found, where, ": rendezvous: cannot resolve MASTER_ADDR '", addr,
            "': ", ::gai_strerror(rc));
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> hold(found, ::freeaddrinfo);
  std::string last_error = "no address";
  for (;;) {  // rank 0 may not be listening yet: retry until the deadline
    for (addrinfo* a = found; a; a = a->ai_next) {
      Fd s(::socket(a->ai_family, a->ai_socktype, a->ai_protocol));
      if (s.fd < 0) continue;
      if (::connect(s.fd, a->ai_addr, a->ai_addrlen) != 0) {
        last_error = std::strerror(errno);
        continue;
      }
      char magic[sizeof kMagic];
      uint64_t size = 0;
      recv_all(s.fd, magic, sizeof magic, deadline, where);
      SYN_CHECK(std::memcmp(magic, kMagic, sizeof kMagic) == 0, where, ": rendezvous: ", addr, ":",
                port, " is not a Synesthesia rank 0");
      recv_all(s.fd, &size, sizeof size, deadline, where);
      SYN_CHECK(size == n, where, ": rendezvous: rank 0 sends ", size, " bytes, expected ", n);
      recv_all(s.fd, bytes, n, deadline, where);
      char ack = 1;
      send_all(s.fd, &ack, 1, deadline, where);
      return;
    }
    SYN_CHECK(seconds_left(deadline) > 0, where, ": rendezvous: could not reach rank 0 at ", addr,
              ":", port, " (MASTER_ADDR:MASTER_PORT): ", last_error);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

void tcp_broadcast_from_rank0(void* bytes, size_t n, int rank, int world,
                              const std::string& master_addr, int master_port,
                              double timeout_seconds) {
  const std::string where = str_cat("rank ", rank, "/", world);
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(timeout_seconds));
  if (rank == 0)
    serve(bytes, n, world, master_port, deadline, where);
  else
    fetch(bytes, n, master_addr, master_port, deadline, where);
}

}  // namespace syn::dist
