// libsystemc.so needs an sc_main; the harnesses never start a simulation (they only use
// spiketlm::fail, whose SC_REPORT_ERROR throws without a kernel).
extern "C" int sc_main(int, char**) { return 0; }
