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
# ptrace and nginx need inside. Scripts may share a chroot (a reference
# GDB build and a test run): a count of users under a lock, and the last
# one out unmounts what the first one in mounted (DIR.mounts).
mount_chroot() {
    d=$1
    (
        flock 9
        n=$(cat "$d.users" 2>/dev/null || echo 0)
        if [ "$n" -eq 0 ]; then
            : >"$d.mounts"
            if ! mountpoint -q "$d/proc"; then
                mount -t proc proc "$d/proc" && echo "$d/proc" >>"$d.mounts"
            fi
            if ! mountpoint -q "$d/sys"; then
                mount -t sysfs sysfs "$d/sys" && echo "$d/sys" >>"$d.mounts"
            fi
            if ! mountpoint -q "$d/dev"; then
                mount --rbind /dev "$d/dev" && mount --make-rslave "$d/dev" &&
                    echo "$d/dev" >>"$d.mounts"
            fi
        fi
        echo $((n + 1)) >"$d.users"
    ) 9>"$d.lock"
}

umount_chroot() {
    d=$1
    (
        flock 9
        n=$(cat "$d.users" 2>/dev/null || echo 1)
        n=$((n - 1))
        if [ "$n" -le 0 ]; then
            while read -r m; do
                case $m in "$d"/*) umount -R -l "$m" ;; esac
            done <"$d.mounts" 2>/dev/null
            rm -f "$d.users" "$d.mounts"
        else
            echo "$n" >"$d.users"
        fi
    ) 9>"$d.lock"
    return 0
}

# Before a chroot is deleted: nothing may stay mounted under it (rm -rf
# through a bound /dev would empty the host's).
release_chroot() {
    d=$1
    for m in $(awk -v d="$d/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r); do
        umount -R -l "$m" 2>/dev/null
    done
    rm -f "$d.users" "$d.mounts"
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
