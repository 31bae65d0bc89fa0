// The remote-file bridge: a small dynamically linked program that the static hepkit starts as its
// child to read root:// and http(s):// URLs (see cremote.c). Built and appended to the static
// hepkit by tools/append-remote-bridge.sh:
//   cc -O2 -I Sources/CRemote/include Sources/CRemote/bridge/remote_bridge.c Sources/CRemote/cremote.c -ldl -lpthread
int hepkit_remote_bridge_main(void);

int main(void) { return hepkit_remote_bridge_main(); }
