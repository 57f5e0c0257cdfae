# Shared by the distro scripts: where chroots live, how to enter them.
# Sourced, not run. Needs root (debootstrap, mount, chroot).

: "${NGXMEM_CACHE:=/var/cache/ngxmem}"
chroot_root=$NGXMEM_CACHE/chroots

# The Debian mirror apt uses on this machine (deb822 or one-line format).
debian_mirror() {
    m=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources |
        awk '{print $2}' | grep -v security | grep debian | head -n 1)
    [ -n "$m" ] || m=$(grep -hs '^deb ' /etc/apt/sources.list |
        awk '{print $2}' | grep -v security | grep debian | head -n 1)
    echo "${m:-http://deb.debian.org/debian}"
}

# mount_chroot DIR / umount_chroot DIR: the kernel file systems a build,
# ptrace and nginx need inside. umount_chroot undoes only what this
# script's mount_chroot did, so two scripts may share one chroot.
mounted_here=""
mount_chroot() {
    d=$1
    if ! mountpoint -q "$d/proc"; then
        mount -t proc proc "$d/proc" && mounted_here="$mounted_here $d/proc"
    fi
    if ! mountpoint -q "$d/sys"; then
        mount -t sysfs sysfs "$d/sys" && mounted_here="$mounted_here $d/sys"
    fi
    if ! mountpoint -q "$d/dev"; then
        mount --rbind /dev "$d/dev" && mount --make-rslave "$d/dev" &&
            mounted_here="$mounted_here $d/dev"
    fi
}

umount_chroot() {
    for m in $mounted_here; do
        case $m in "$1"/*) umount -R -l "$m" ;; esac
    done
    return 0
}

# in_chroot DIR COMMAND...: run a shell command inside, as root, with a
# clean environment.
in_chroot() {
    d=$1
    shift
    chroot "$d" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        DEBIAN_FRONTEND=noninteractive /bin/sh -c "$*"
}
