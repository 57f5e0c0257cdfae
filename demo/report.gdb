# The ngxmem report for an nginx master or worker:
#   gdb -batch -p PID -x gdbinit -x report.gdb
# (installed with ngxmem). ngx-report --help says what it shows.
ngx-report
