# The full ngxmem report for an nginx master (gdb -batch -p PID -x gdbinit -x report.gdb).
echo \n==== ngxmem: plugin and GDB ====\n
ngxmem-info
echo \n==== ngxmem: host self-test on this process ====\n
ngxmem-selftest
