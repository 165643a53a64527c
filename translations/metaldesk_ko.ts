<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR">
<context>
    <name>Actor</name>
    <message>
        <source>Boot environment</source>
        <translation>부팅 환경</translation>
    </message>
    <message>
        <source>Timeout monitor</source>
        <translation>시간 제한 감시</translation>
    </message>
    <message>
        <source>Enlistment</source>
        <translation>등록</translation>
    </message>
    <message>
        <source>Power check</source>
        <translation>전원 확인</translation>
    </message>
    <message>
        <source>Command line</source>
        <translation>명령줄</translation>
    </message>
    <message>
        <source>First-run wizard</source>
        <translation>첫 실행 마법사</translation>
    </message>
</context>
<context>
    <name>Allocation</name>
    <message>
        <source>cpu_count must not be negative</source>
        <translation>cpu_count는 음수일 수 없습니다</translation>
    </message>
    <message>
        <source>mem must not be negative</source>
        <translation>mem은 음수일 수 없습니다</translation>
    </message>
    <message>
        <source>the storage constraint &apos;%1&apos; should look like root:32(ssd),data:100</source>
        <translation>스토리지 제약 &apos;%1&apos;은(는) root:32(ssd),data:100 같은 형식이어야 합니다</translation>
    </message>
    <message>
        <source>the interfaces constraint &apos;%1&apos; should look like eth0:space=public</source>
        <translation>인터페이스 제약 &apos;%1&apos;은(는) eth0:space=public 같은 형식이어야 합니다</translation>
    </message>
    <message>
        <source>not named %1</source>
        <translation>이름이 %1이(가) 아님</translation>
    </message>
    <message>
        <source>not %1</source>
        <translation>%1이(가) 아님</translation>
    </message>
    <message>
        <source>architecture %1, not %2</source>
        <translation>아키텍처가 %2이(가) 아니라 %1</translation>
    </message>
    <message>
        <source>%1 CPUs, fewer than %2</source>
        <translation>CPU %1개로 %2개보다 적음</translation>
    </message>
    <message>
        <source>%1 MiB of memory, less than %2</source>
        <translation>메모리 %1 MiB로 %2보다 적음</translation>
    </message>
    <message>
        <source>no tag %1</source>
        <translation>태그 %1 없음</translation>
    </message>
    <message>
        <source>tagged %1</source>
        <translation>태그 %1 있음</translation>
    </message>
    <message>
        <source>in zone %1, not %2</source>
        <translation>영역이 %2이(가) 아니라 %1</translation>
    </message>
    <message>
        <source>in zone %1</source>
        <translation>영역 %1에 있음</translation>
    </message>
    <message>
        <source>in pool %1, not %2</source>
        <translation>풀이 %2이(가) 아니라 %1</translation>
    </message>
    <message>
        <source>in pool %1</source>
        <translation>풀 %1에 있음</translation>
    </message>
    <message>
        <source>no disk tagged %1</source>
        <translation>태그가 %1인 디스크 없음</translation>
    </message>
    <message>
        <source>no free disk of %1 GB for %2</source>
        <translation>%2에 쓸 %1 GB 빈 디스크 없음</translation>
    </message>
    <message>
        <source>no interface in space %1 (MetalDesk has no spaces)</source>
        <translation>공간 %1의 인터페이스 없음(MetalDesk에는 공간이 없습니다)</translation>
    </message>
    <message>
        <source>%1 interfaces, fewer than asked</source>
        <translation>인터페이스 %1개로 요청보다 적음</translation>
    </message>
    <message>
        <source>no machine is Ready</source>
        <translation>준비된 머신이 없습니다</translation>
    </message>
    <message>
        <source>none of the %1 Ready machines matches: %2</source>
        <translation>준비된 머신 %1대 중 맞는 머신이 없습니다: %2</translation>
    </message>
</context>
<context>
    <name>Api</name>
    <message>
        <source>API calls answered</source>
        <translation>응답한 API 호출</translation>
    </message>
    <message>
        <source>API calls without a valid key</source>
        <translation>유효한 키가 없는 API 호출</translation>
    </message>
    <message>
        <source>API calls refused (not allowed)</source>
        <translation>거부된 API 호출(권한 없음)</translation>
    </message>
    <message>
        <source>machines allocated through the API</source>
        <translation>API로 할당된 머신</translation>
    </message>
    <message>
        <source>allocations nothing matched</source>
        <translation>맞는 머신이 없던 할당</translation>
    </message>
    <message>
        <source>cpu_count and mem are numbers</source>
        <translation>cpu_count와 mem은 숫자입니다</translation>
    </message>
    <message>
        <source>No machine matches the constraints: %1</source>
        <translation>제약에 맞는 머신이 없습니다: %1</translation>
    </message>
    <message>
        <source>name the machines to release: machines=&lt;system_id&gt;, repeated</source>
        <translation>릴리스할 머신을 지정하세요: machines=&lt;system_id&gt;, 반복 가능</translation>
    </message>
    <message>
        <source>no machine with system id %1</source>
        <translation>시스템 ID가 %1인 머신이 없습니다</translation>
    </message>
    <message>
        <source>user_data is not base64</source>
        <translation>user_data가 base64가 아닙니다</translation>
    </message>
    <message>
        <source>no deployable image for %1 on %2 in the catalogue: import or upload one (metaldesk images add), or choose another distro_series</source>
        <translation>카탈로그에 %2용 %1 배포 이미지가 없습니다: 가져오거나 올리세요(metaldesk images add). 또는 다른 distro_series를 선택하세요</translation>
    </message>
    <message>
        <source>the image catalogue is empty: add an image first (metaldesk images add)</source>
        <translation>이미지 카탈로그가 비어 있습니다: 먼저 이미지를 추가하세요(metaldesk images add)</translation>
    </message>
    <message>
        <source>only the machine&apos;s owner can set its owner data</source>
        <translation>머신 소유자만 소유자 데이터를 설정할 수 있습니다</translation>
    </message>
    <message>
        <source>%1 has no power driver set</source>
        <translation>%1에 전원 드라이버가 설정되어 있지 않습니다</translation>
    </message>
</context>
<context>
    <name>ApiKeyCommand</name>
    <message>
        <source>A new API key for %1: keep it, it is not shown again. Revoke it on the Users page.</source>
        <translation>%1의 새 API 키입니다. 다시 표시되지 않으니 보관하세요. 폐기는 사용자 페이지에서 합니다.</translation>
    </message>
</context>
<context>
    <name>BlockMap</name>
    <message>
        <source>cancelled</source>
        <translation>취소됨</translation>
    </message>
    <message>
        <source>cannot write %1</source>
        <translation>%1에 쓸 수 없습니다</translation>
    </message>
</context>
<context>
    <name>BootFiles</name>
    <message>
        <source>the boot directory %1 does not exist</source>
        <translation>부트 디렉터리 %1이(가) 없습니다</translation>
    </message>
    <message>
        <source>no file %1</source>
        <translation>파일 %1이(가) 없습니다</translation>
    </message>
    <message>
        <source>%1 leads outside the boot directory</source>
        <translation>%1은(는) 부트 디렉터리 밖을 가리킵니다</translation>
    </message>
    <message>
        <source>%1 is not a file</source>
        <translation>%1은(는) 파일이 아닙니다</translation>
    </message>
    <message>
        <source>refused path &apos;%1&apos;</source>
        <translation>거부된 경로 &apos;%1&apos;</translation>
    </message>
    <message>
        <source>the iPXE bootloaders %1 are missing from %2: install Debian&apos;s ipxe package (sudo apt install ipxe)</source>
        <translation>%2에 iPXE 부트로더 %1이(가) 없습니다: Debian의 ipxe 패키지를 설치하세요(sudo apt install ipxe)</translation>
    </message>
    <message>
        <source>the built-in boot environment is missing from %1: build it with tools/build-bootenv --out DIR and set boot_environment_dir to DIR/environment</source>
        <translation>%1에 내장 부팅 환경이 없습니다: tools/build-bootenv --out DIR 로 만들고 boot_environment_dir 를 DIR/environment 로 설정하세요</translation>
    </message>
    <message>
        <source>UEFI machines cannot boot: %1 is missing: install Debian&apos;s signed shim and GRUB (sudo apt install shim-signed grub-efi-amd64-signed)</source>
        <translation>UEFI 머신을 부팅할 수 없습니다: %1이(가) 없습니다. Debian의 서명된 shim과 GRUB을 설치하세요(sudo apt install shim-signed grub-efi-amd64-signed)</translation>
    </message>
</context>
<context>
    <name>Chassis</name>
    <message>
        <source>cannot list the VMs of %1</source>
        <translation>%1의 VM 목록을 가져올 수 없습니다</translation>
    </message>
    <message>
        <source>cannot read a VM&apos;s definition at %1</source>
        <translation>%1에서 VM 정의를 읽을 수 없습니다</translation>
    </message>
    <message>
        <source>the listing was cancelled</source>
        <translation>목록 가져오기가 취소되었습니다</translation>
    </message>
    <message>
        <source>libvirt host (KVM/QEMU)</source>
        <translation>libvirt 호스트 (KVM/QEMU)</translation>
    </message>
    <message>
        <source>the libvirt host sent XML that is not a domain (&lt;%1&gt;)</source>
        <translation>libvirt 호스트가 도메인이 아닌 XML을 보냈습니다 (&lt;%1&gt;)</translation>
    </message>
    <message>
        <source>the libvirt host sent a domain description that is not valid XML (line %1: %2)</source>
        <translation>libvirt 호스트가 보낸 도메인 설명이 올바른 XML이 아닙니다 (%1행: %2)</translation>
    </message>
    <message>
        <source>the libvirt host sent a domain description without a name</source>
        <translation>libvirt 호스트가 이름 없는 도메인 설명을 보냈습니다</translation>
    </message>
    <message>
        <source>the libvirt host sent XML that is not a domain</source>
        <translation>libvirt 호스트가 도메인이 아닌 XML을 보냈습니다</translation>
    </message>
    <message>
        <source>the domain has no &lt;os&gt; element to set its boot order in</source>
        <translation>도메인에 부팅 순서를 설정할 &lt;os&gt; 요소가 없습니다</translation>
    </message>
    <message>
        <source>unknown chassis type &apos;%1&apos;</source>
        <translation>알 수 없는 섀시 유형 &apos;%1&apos;</translation>
    </message>
    <message>
        <source>give the chassis&apos;s address</source>
        <translation>섀시 주소를 입력하세요</translation>
    </message>
    <message>
        <source>%1 is already the chassis %2: re-sync it instead</source>
        <translation>%1은(는) 이미 섀시 %2입니다. 대신 다시 동기화하세요</translation>
    </message>
    <message>
        <source>a chassis is already called %1</source>
        <translation>%1(이)라는 섀시가 이미 있습니다</translation>
    </message>
    <message>
        <source>no chassis with id %1</source>
        <translation>ID가 %1인 섀시가 없습니다</translation>
    </message>
    <message>
        <source>new machine</source>
        <translation>새 머신</translation>
    </message>
    <message>
        <source>update</source>
        <translation>갱신</translation>
    </message>
    <message>
        <source>already known</source>
        <translation>이미 있음</translation>
    </message>
    <message>
        <source>not added</source>
        <translation>추가하지 않음</translation>
    </message>
    <message>
        <source>outside the prefix</source>
        <translation>접두사 밖</translation>
    </message>
    <message>
        <source>its name does not start with %1</source>
        <translation>이름이 %1(으)로 시작하지 않습니다</translation>
    </message>
    <message>
        <source>it has no network interface, so it cannot boot from MetalDesk</source>
        <translation>네트워크 인터페이스가 없어 MetalDesk에서 부팅할 수 없습니다</translation>
    </message>
    <message>
        <source>its MAC %1 already belongs to machine %2</source>
        <translation>MAC %1은(는) 이미 머신 %2의 것입니다</translation>
    </message>
    <message>
        <source>its MAC %1 is also the VM %2&apos;s</source>
        <translation>MAC %1은(는) VM %2에도 있습니다</translation>
    </message>
    <message>
        <source>renamed to %1</source>
        <translation>이름이 %1(으)로 바뀜</translation>
    </message>
    <message>
        <source>new MAC %1</source>
        <translation>새 MAC %1</translation>
    </message>
    <message>
        <source>found again</source>
        <translation>다시 찾음</translation>
    </message>
    <message>
        <source>machine %1</source>
        <translation>머신 %1</translation>
    </message>
    <message>
        <source>not chosen</source>
        <translation>선택하지 않음</translation>
    </message>
    <message>
        <source>VMware vCenter or ESXi host</source>
        <translation>VMware vCenter 또는 ESXi 호스트</translation>
    </message>
    <message>
        <source>only a vSphere chassis has a certificate to trust</source>
        <translation>신뢰할 인증서는 vSphere 섀시에만 있습니다</translation>
    </message>
</context>
<context>
    <name>CommandLine</name>
    <message>
        <source>Where the data lives: an SQLite file (default ~/.local/share/MetalDesk/metaldesk.db) or postgresql://user:password@host[:port]/database.</source>
        <translation>데이터를 둘 곳: SQLite 파일(기본값 ~/.local/share/MetalDesk/metaldesk.db) 또는 postgresql://사용자:비밀번호@호스트[:포트]/데이터베이스.</translation>
    </message>
    <message>
        <source>path-or-url</source>
        <translation>경로-또는-URL</translation>
    </message>
    <message>
        <source>unexpected argument &apos;%1&apos;</source>
        <translation>예상하지 못한 인수 &apos;%1&apos;</translation>
    </message>
    <message>
        <source>The administrator&apos;s user name.</source>
        <translation>관리자 사용자 이름.</translation>
    </message>
    <message>
        <source>name</source>
        <translation>이름</translation>
    </message>
    <message>
        <source>The administrator&apos;s e-mail address.</source>
        <translation>관리자 이메일 주소.</translation>
    </message>
    <message>
        <source>address</source>
        <translation>주소</translation>
    </message>
    <message>
        <source>Run all services without a window (home servers, CI).</source>
        <translation>창 없이 모든 서비스를 실행합니다(홈 서버, CI).</translation>
    </message>
    <message>
        <source>[command]</source>
        <translation>[명령]</translation>
    </message>
    <message>
        <source>unknown command &apos;%1&apos;</source>
        <translation>알 수 없는 명령 &apos;%1&apos;</translation>
    </message>
    <message>
        <source>--listen: &apos;%1&apos; is not an IP address (for example 0.0.0.0 or 192.168.10.1)</source>
        <translation>--listen: &apos;%1&apos;은(는) IP 주소가 아닙니다(예: 0.0.0.0 또는 192.168.10.1)</translation>
    </message>
    <message>
        <source>Change a setting in the database (for example dhcp_interface, dhcp_range, http_port); running instances read it when their services start.</source>
        <translation>데이터베이스의 설정을 바꿉니다(예: dhcp_interface, dhcp_range, http_port). 실행 중인 인스턴스는 서비스를 시작할 때 이 값을 읽습니다.</translation>
    </message>
    <message>
        <source>Print a setting from the database.</source>
        <translation>데이터베이스의 설정 값을 출력합니다.</translation>
    </message>
    <message>
        <source>The setting&apos;s name.</source>
        <translation>설정 이름.</translation>
    </message>
    <message>
        <source>Its new value.</source>
        <translation>새 값.</translation>
    </message>
    <message>
        <source>set-config needs a name and a value</source>
        <translation>set-config에는 이름과 값이 필요합니다</translation>
    </message>
    <message>
        <source>get-config needs a name</source>
        <translation>get-config에는 이름이 필요합니다</translation>
    </message>
    <message>
        <source>Settings:</source>
        <translation>설정:</translation>
    </message>
    <message>
        <source>[default: %1]</source>
        <translation>[기본값: %1]</translation>
    </message>
    <message>
        <source>Make a new API key for a user and print it (MAAS&apos;s consumer:token:secret form, for juju and other MAAS clients). It is shown this once: keys are listed on the Users page and revoked there.</source>
        <translation>사용자의 새 API 키를 만들어 출력합니다(MAAS의 consumer:token:secret 형식, juju와 다른 MAAS 클라이언트용). 이번 한 번만 표시됩니다. 키 목록과 폐기는 사용자 페이지에 있습니다.</translation>
    </message>
    <message>
        <source>The user the key is for.</source>
        <translation>키를 쓸 사용자.</translation>
    </message>
    <message>
        <source>What the key is for (shown on the Users page).</source>
        <translation>키의 용도(사용자 페이지에 표시).</translation>
    </message>
    <message>
        <source>text</source>
        <translation>텍스트</translation>
    </message>
    <message>
        <source>apikey needs --username</source>
        <translation>apikey에는 --username이 필요합니다</translation>
    </message>
    <message>
        <source>The architecture it runs on (default amd64).</source>
        <translation>이미지가 실행되는 아키텍처(기본값 amd64).</translation>
    </message>
    <message>
        <source>architecture</source>
        <translation>아키텍처</translation>
    </message>
    <message>
        <source>The firmware it boots on: bios, uefi or bios,uefi (the default).</source>
        <translation>이미지가 부팅되는 펌웨어: bios, uefi 또는 bios,uefi(기본값).</translation>
    </message>
    <message>
        <source>list</source>
        <translation>목록</translation>
    </message>
    <message>
        <source>A title for people (&quot;Debian 12&quot;).</source>
        <translation>사람이 읽을 제목(&quot;Debian 12&quot;).</translation>
    </message>
    <message>
        <source>images add needs a name and a file or URL</source>
        <translation>images add에는 이름과 파일 또는 URL이 필요합니다</translation>
    </message>
    <message>
        <source>images %1 takes %2 word(s)</source>
        <translation>images %1은(는) 인자를 %2개 받습니다</translation>
    </message>
    <message>
        <source>Create an administrator account (as &apos;maas createadmin&apos;). Options that are missing are asked for when a terminal is present. The password is asked for without echo, or read from the first line of standard input.</source>
        <translation>관리자 계정을 만듭니다(&apos;maas createadmin&apos;과 같음). 빠진 옵션은 터미널이 있으면 물어봅니다. 비밀번호는 화면에 표시하지 않고 묻거나, 표준 입력의 첫 줄에서 읽습니다.</translation>
    </message>
    <message>
        <source>createadmin takes no --password: on the command line every user of this computer could read it. Type it when asked, or give it as the first line of standard input (printf &apos;%s\n&apos; &quot;$PASSWORD&quot; | metaldesk createadmin ...).</source>
        <translation>createadmin은 --password를 받지 않습니다. 명령줄에 쓰면 이 컴퓨터의 모든 사용자가 읽을 수 있습니다. 물어볼 때 입력하거나, 표준 입력의 첫 줄로 주세요(printf &apos;%s\n&apos; &quot;$PASSWORD&quot; | metaldesk createadmin ...).</translation>
    </message>
    <message>
        <source>source-add: the file with the public key(s) the mirror signs with (binary or ASCII-armoured).</source>
        <translation>source-add: 미러가 서명에 쓰는 공개 키 파일 (바이너리 또는 ASCII 아머).</translation>
    </message>
    <message>
        <source>file</source>
        <translation>파일</translation>
    </message>
    <message>
        <source>source-add: what to import, as os/release/architecture (ubuntu/noble/amd64, * for any part); repeat for more.</source>
        <translation>source-add: 가져올 것, os/release/아키텍처 형식 (ubuntu/noble/amd64, 아무 값이나는 *). 여러 개는 반복해서 지정합니다.</translation>
    </message>
    <message>
        <source>selection</source>
        <translation>선택</translation>
    </message>
    <message>
        <source>source-add: the mirror has no signatures, and its files are taken anyway.</source>
        <translation>source-add: 미러에 서명이 없어도 파일을 그대로 받습니다.</translation>
    </message>
    <message>
        <source>source-add: the index inside the mirror (default streams/v1/index.sjson).</source>
        <translation>source-add: 미러 안의 인덱스 (기본값 streams/v1/index.sjson).</translation>
    </message>
    <message>
        <source>path</source>
        <translation>경로</translation>
    </message>
    <message>
        <source>import: an HTTP proxy (http://host:port); default the config key image_proxy.</source>
        <translation>import: HTTP 프록시 (http://host:port). 기본값은 설정 키 image_proxy입니다.</translation>
    </message>
    <message>
        <source>url</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>list, add, remove, sources, source-add, source-remove or import</source>
        <translation>list, add, remove, sources, source-add, source-remove 또는 import</translation>
    </message>
    <message>
        <source>images needs list, add, remove, sources, source-add, source-remove or import</source>
        <translation>images에는 list, add, remove, sources, source-add, source-remove 또는 import가 필요합니다</translation>
    </message>
    <message>
        <source>add: the file&apos;s SHA-256; the file is refused when it does not match.</source>
        <translation>add: 파일의 SHA-256. 맞지 않으면 파일을 거부합니다.</translation>
    </message>
    <message>
        <source>hex</source>
        <translation>16진수</translation>
    </message>
    <message>
        <source>The images MetalDesk deploys.
  images list                      what the catalogue holds
  images add NAME FILE-OR-URL      a whole-disk image (raw, .gz, .xz, .bz2, qcow2) or a root filesystem .tar.gz with a kernel in its /boot, as NAME (os/release, such as debian/bookworm); a file is copied under the boot root (a qcow2 converted to raw)
  images remove NAME               takes it out
  images sources                   the simplestreams mirrors images are imported from
  images source-add URL           adds a mirror (or changes it): --keyring, --select, --allow-unsigned
  images source-remove URL        takes a mirror out (its images stay)
  images import                    imports what the mirrors&apos; selections name, with progress</source>
        <translation>MetalDesk가 배포하는 이미지입니다.
  images list                      카탈로그에 있는 이미지
  images add NAME FILE-OR-URL      디스크 전체 이미지(raw, .gz, .xz, .bz2, qcow2) 또는 /boot에 커널이 있는 루트 파일 시스템 .tar.gz를 NAME(os/release, 예: debian/bookworm)으로 추가합니다. 파일은 부팅 루트 아래로 복사됩니다(qcow2는 raw로 변환)
  images remove NAME               이미지를 뺍니다
  images sources                   이미지를 가져오는 simplestreams 미러
  images source-add URL           미러를 추가하거나 바꿉니다: --keyring, --select, --allow-unsigned
  images source-remove URL        미러를 뺍니다 (가져온 이미지는 남습니다)
  images import                    미러의 선택 항목을 진행 상황과 함께 가져옵니다</translation>
    </message>
    <message>
        <source>The IP address the boot servers and the API listen on, 0.0.0.0 for all (default: the boot interface&apos;s address, and loopback for the API).</source>
        <translation>부트 서버와 API가 수신할 IP 주소. 0.0.0.0은 모든 주소(기본값: 부트 인터페이스의 주소, API는 루프백에서도).</translation>
    </message>
    <message>
        <source>Say where the key that seals the stored passwords is kept, or move it: &apos;file&apos; keeps it in a file beside the database for good (a host that runs headless, without a desktop session), &apos;keyring&apos; moves it into the desktop keyring (run it in the desktop session). In a desktop session with a keyring MetalDesk moves the key there by itself, unless &apos;file&apos; was chosen.</source>
        <translation>저장된 비밀번호를 봉인하는 키가 어디에 있는지 알려 주거나 옮깁니다: &apos;file&apos;은 키를 데이터베이스 옆의 파일에 계속 둡니다(데스크톱 세션 없이 헤드리스로 실행하는 호스트), &apos;keyring&apos;은 키를 데스크톱 키링으로 옮깁니다(데스크톱 세션에서 실행하세요). 키링이 있는 데스크톱 세션에서는 &apos;file&apos;을 고르지 않았다면 MetalDesk가 키를 직접 키링으로 옮깁니다.</translation>
    </message>
    <message>
        <source>file or keyring</source>
        <translation>file 또는 keyring</translation>
    </message>
    <message>
        <source>[file|keyring]</source>
        <translation>[file|keyring]</translation>
    </message>
    <message>
        <source>secret-key takes file or keyring, not &apos;%1&apos;</source>
        <translation>secret-key는 &apos;%1&apos;이(가) 아니라 file 또는 keyring을 받습니다</translation>
    </message>
    <message>
        <source>MetalDesk: metal-as-a-service for the home lab.

Commands:
  createadmin   Create an administrator account (see &apos;metaldesk createadmin --help&apos;).
  set-config    Change a setting (see &apos;metaldesk set-config --help&apos;).
  get-config    Print a setting.
  apikey        Make an API key for a user (see &apos;metaldesk apikey --help&apos;).
  images        The image catalogue: list, add, remove (see &apos;metaldesk images --help&apos;).
  secret-key    Where the key sealing the stored passwords is kept: a file or the desktop keyring.</source>
        <translation>MetalDesk: 홈 랩을 위한 metal-as-a-service.

명령:
  createadmin   관리자 계정을 만듭니다(&apos;metaldesk createadmin --help&apos; 참고).
  set-config    설정을 바꿉니다(&apos;metaldesk set-config --help&apos; 참고).
  get-config    설정을 출력합니다.
  apikey        사용자의 API 키를 만듭니다(&apos;metaldesk apikey --help&apos; 참고).
  images        이미지 카탈로그: list, add, remove(&apos;metaldesk images --help&apos; 참고).
  secret-key    저장된 비밀번호를 봉인하는 키가 있는 곳: 파일 또는 데스크톱 키링.</translation>
    </message>
    <message>
        <source>Optional: createadmin, set-config, get-config, apikey, images or secret-key.</source>
        <translation>선택: createadmin, set-config, get-config, apikey, images 또는 secret-key.</translation>
    </message>
</context>
<context>
    <name>ConfigCommand</name>
    <message>
        <source>%1 set; running instances use it when these services next start: %2.</source>
        <translation>%1을(를) 설정했습니다. 실행 중인 인스턴스는 다음 서비스가 다시 시작될 때 이 값을 씁니다: %2.</translation>
    </message>
    <message>
        <source>%1 set; running instances use it from now on.</source>
        <translation>%1을(를) 설정했습니다. 실행 중인 인스턴스도 지금부터 이 값을 씁니다.</translation>
    </message>
    <message>
        <source>The key that seals the stored passwords is in %1.</source>
        <translation>저장된 비밀번호를 봉인하는 키는 %1에 있습니다.</translation>
    </message>
</context>
<context>
    <name>Console</name>
    <message>
        <source>the VM is off</source>
        <translation>VM이 꺼져 있습니다</translation>
    </message>
    <message>
        <source>not read now: MetalDesk reads the console while the machine commissions, deploys, releases or tests</source>
        <translation>지금은 읽지 않음: MetalDesk는 머신이 커미션, 배포, 릴리스 또는 테스트하는 동안 콘솔을 읽습니다</translation>
    </message>
</context>
<context>
    <name>CreateAdmin</name>
    <message>
        <source>metaldesk createadmin: missing --%1 (no terminal to ask on)</source>
        <translation>metaldesk createadmin: --%1이(가) 없습니다(물어볼 터미널이 없음)</translation>
    </message>
    <message>
        <source>Again: </source>
        <translation>다시 입력: </translation>
    </message>
    <message>
        <source>metaldesk createadmin: the passwords differ</source>
        <translation>metaldesk createadmin: 비밀번호가 서로 다릅니다</translation>
    </message>
    <message>
        <source>metaldesk createadmin: --%1 may not be empty</source>
        <translation>metaldesk createadmin: --%1은(는) 비워 둘 수 없습니다</translation>
    </message>
    <message>
        <source>Username: </source>
        <translation>사용자 이름: </translation>
    </message>
    <message>
        <source>Password: </source>
        <translation>비밀번호: </translation>
    </message>
    <message>
        <source>Email: </source>
        <translation>이메일: </translation>
    </message>
    <message>
        <source>Created administrator %1 in %2.</source>
        <translation>관리자 %1을(를) %2에 만들었습니다.</translation>
    </message>
    <message>
        <source>API key (for juju and other MAAS clients; keep it secret): %1</source>
        <translation>API 키(juju 및 다른 MAAS 클라이언트용, 비밀로 보관하세요): %1</translation>
    </message>
    <message>
        <source>metaldesk createadmin: no password: give it as the first line of standard input (there is no terminal to ask on)</source>
        <translation>metaldesk createadmin: 비밀번호가 없습니다. 표준 입력의 첫 줄로 주세요(물어볼 터미널이 없습니다)</translation>
    </message>
</context>
<context>
    <name>Devices</name>
    <message>
        <source>no device with system id %1</source>
        <translation>시스템 ID가 %1인 장치가 없습니다</translation>
    </message>
    <message>
        <source>the device %1 is another user&apos;s</source>
        <translation>장치 %1은(는) 다른 사용자의 것입니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a valid hostname</source>
        <translation>&apos;%1&apos;은(는) 올바른 호스트 이름이 아닙니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a MAC address</source>
        <translation>&apos;%1&apos;은(는) MAC 주소가 아닙니다</translation>
    </message>
    <message>
        <source>no machine with system id %1</source>
        <translation>시스템 ID가 %1인 머신이 없습니다</translation>
    </message>
    <message>
        <source>the parent machine %1 is not yours</source>
        <translation>부모 머신 %1은(는) 당신의 것이 아닙니다</translation>
    </message>
    <message>
        <source>the MAC address %1 belongs to another machine or device</source>
        <translation>MAC 주소 %1은(는) 다른 머신이나 장치의 것입니다</translation>
    </message>
    <message>
        <source>cannot add the device %1: %2</source>
        <translation>장치 %1을(를) 추가할 수 없습니다: %2</translation>
    </message>
    <message>
        <source>cannot add the interface %1: %2</source>
        <translation>인터페이스 %1을(를) 추가할 수 없습니다: %2</translation>
    </message>
    <message>
        <source>the device %1 has no interface %2</source>
        <translation>장치 %1에 인터페이스 %2이(가) 없습니다</translation>
    </message>
    <message>
        <source>the link mode &apos;%1&apos; should be STATIC, DHCP or LINK_UP</source>
        <translation>링크 모드 &apos;%1&apos;은(는) STATIC, DHCP 또는 LINK_UP이어야 합니다</translation>
    </message>
    <message>
        <source>there is no reserved range to take a static address from: set one on the Network page</source>
        <translation>고정 주소를 가져올 예약 범위가 없습니다: 네트워크 페이지에서 설정하세요</translation>
    </message>
    <message>
        <source>%1 is not an address of the reserved range</source>
        <translation>%1은(는) 예약 범위의 주소가 아닙니다</translation>
    </message>
    <message>
        <source>%1 is held by another machine or device</source>
        <translation>%1은(는) 다른 머신이나 장치가 쓰고 있습니다</translation>
    </message>
    <message>
        <source>no address is free in the reserved range</source>
        <translation>예약 범위에 빈 주소가 없습니다</translation>
    </message>
    <message>
        <source>the interface went away</source>
        <translation>인터페이스가 사라졌습니다</translation>
    </message>
    <message>
        <source>the interface %1 has no link %2</source>
        <translation>인터페이스 %1에 링크 %2이(가) 없습니다</translation>
    </message>
</context>
<context>
    <name>Dhcp</name>
    <message>
        <source>the boot interface %1 does not exist on this machine</source>
        <translation>부트 인터페이스 %1이(가) 이 머신에 없습니다</translation>
    </message>
    <message>
        <source>the boot interface %1 has no IPv4 address: give it one (the DHCP server answers from it)</source>
        <translation>부트 인터페이스 %1에 IPv4 주소가 없습니다: 주소를 지정하세요(DHCP 서버가 그 주소로 응답합니다)</translation>
    </message>
    <message>
        <source>the gateway &apos;%1&apos; is not an IPv4 address</source>
        <translation>게이트웨이 &apos;%1&apos;은(는) IPv4 주소가 아닙니다</translation>
    </message>
    <message>
        <source>the DNS server &apos;%1&apos; is not an IPv4 address</source>
        <translation>DNS 서버 &apos;%1&apos;은(는) IPv4 주소가 아닙니다</translation>
    </message>
    <message>
        <source>the lease time &apos;%1&apos; should be a number of seconds, at least 60</source>
        <translation>임대 시간 &apos;%1&apos;은(는) 60 이상의 초 단위 숫자여야 합니다</translation>
    </message>
    <message>
        <source>managed DHCP on %1, udp port %2, range %3-%4</source>
        <translation>%1에서 관리형 DHCP, UDP 포트 %2, 범위 %3-%4</translation>
    </message>
    <message>
        <source>cannot listen on udp port %1 on %2: %3</source>
        <translation>%2의 UDP 포트 %1에서 수신할 수 없습니다: %3</translation>
    </message>
    <message>
        <source>the %1 &apos;%2&apos; should look like 10.99.0.100-10.99.0.199</source>
        <translation>%1 &apos;%2&apos;은(는) 10.99.0.100-10.99.0.199 형식이어야 합니다</translation>
    </message>
    <message>
        <source>the %1 %2 ends before it starts</source>
        <translation>%1 %2의 끝 주소가 시작 주소보다 앞에 있습니다</translation>
    </message>
    <message>
        <source>the %1 %2 is not inside the boot network %3</source>
        <translation>%1 %2이(가) 부트 네트워크 %3 안에 있지 않습니다</translation>
    </message>
    <message>
        <source>the %1 %2 contains this server&apos;s own address %3</source>
        <translation>%1 %2에 이 서버 자신의 주소 %3이(가) 들어 있습니다</translation>
    </message>
    <message>
        <source>the %1 %2 contains the gateway&apos;s address %3</source>
        <translation>%1 %2에 게이트웨이 주소 %3이(가) 들어 있습니다</translation>
    </message>
    <message>
        <source>the DHCP mode &apos;%1&apos; should be managed or proxy</source>
        <translation>DHCP 모드 &apos;%1&apos;은(는) managed 또는 proxy여야 합니다</translation>
    </message>
    <message>
        <source>the gateway %1 is not on the boot network</source>
        <translation>게이트웨이 %1이(가) 부트 네트워크에 있지 않습니다</translation>
    </message>
    <message>
        <source>dynamic range</source>
        <translation>동적 범위</translation>
    </message>
    <message>
        <source>reserved range</source>
        <translation>예약 범위</translation>
    </message>
    <message>
        <source>the reserved range %1 overlaps the dynamic range %2</source>
        <translation>예약 범위 %1이(가) 동적 범위 %2와(과) 겹칩니다</translation>
    </message>
    <message>
        <source>proxy DHCP on %1, udp ports %2 and %3 (boot information only; another server gives the addresses)</source>
        <translation>%1에서 프록시 DHCP, UDP 포트 %2 및 %3(부트 정보만 제공, 주소는 다른 서버가 할당)</translation>
    </message>
    <message>
        <source>another DHCP server already answers on %1: %2. Managed DHCP is not started: choose proxy mode on the Network page (MetalDesk then adds only the boot information), or confirm managed mode there if you are sure</source>
        <translation>%1에서 이미 다른 DHCP 서버가 응답하고 있습니다: %2. 관리형 DHCP를 시작하지 않았습니다: 네트워크 페이지에서 프록시 모드를 선택하거나(그러면 MetalDesk는 부트 정보만 추가합니다), 확실하다면 그곳에서 관리형 모드로 진행하겠다고 확인하세요</translation>
    </message>
    <message>
        <source>cannot read the DHCP leases: %1</source>
        <translation>DHCP 임대 정보를 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>answered</source>
        <translation>응답</translation>
    </message>
    <message>
        <source>received</source>
        <translation>수신</translation>
    </message>
    <message>
        <source>dropped (malformed)</source>
        <translation>폐기(잘못된 형식)</translation>
    </message>
    <message>
        <source>leases in use</source>
        <translation>사용 중인 임대</translation>
    </message>
    <message>
        <source>dropped: %1</source>
        <translation>폐기: %1</translation>
    </message>
    <message>
        <source>releases and declines</source>
        <translation>해제 및 거부</translation>
    </message>
    <message>
        <source>not for this server</source>
        <translation>이 서버 대상 아님</translation>
    </message>
    <message>
        <source>BOOTP without DHCP (not served)</source>
        <translation>DHCP 없는 BOOTP(응답 안 함)</translation>
    </message>
    <message>
        <source>unanswered: the range is full</source>
        <translation>응답 안 함: 범위가 가득 참</translation>
    </message>
    <message>
        <source>unknown lease</source>
        <translation>알 수 없는 임대</translation>
    </message>
    <message>
        <source>unanswered: leases could not be saved</source>
        <translation>응답 안 함: 임대를 저장할 수 없음</translation>
    </message>
    <message>
        <source>unanswered: architecture not bootable</source>
        <translation>응답 안 함: 부팅할 수 없는 아키텍처</translation>
    </message>
    <message>
        <source>left to the other server (not booting)</source>
        <translation>다른 서버에 맡김(부팅 요청 아님)</translation>
    </message>
    <message>
        <source>answers the kernel refused</source>
        <translation>커널이 거부한 응답</translation>
    </message>
    <message>
        <source>cannot listen on udp port %1 on %2: %3. Ports below 1024 need root or the capability: sudo setcap cap_net_bind_service,cap_net_raw=ep %4</source>
        <translation>%2의 UDP 포트 %1에서 수신할 수 없습니다: %3. 1024 미만 포트는 root 권한이나 다음 권한이 필요합니다: sudo setcap cap_net_bind_service,cap_net_raw=ep %4</translation>
    </message>
    <message>
        <source>IPv6 router solicitations answered (no router: the boot&apos;s wait ends)</source>
        <translation>응답한 IPv6 라우터 요청 (라우터 없음: 부팅 대기가 끝남)</translation>
    </message>
    <message>
        <source>IPv6 router solicitations left to the router on the network</source>
        <translation>네트워크의 라우터에 맡긴 IPv6 라우터 요청</translation>
    </message>
    <message>
        <source>IPv6 router solicitations from machines not network booting</source>
        <translation>네트워크 부팅 중이 아닌 머신의 IPv6 라우터 요청</translation>
    </message>
    <message>
        <source>IPv6 router messages dropped (malformed or from off the link)</source>
        <translation>버린 IPv6 라우터 메시지 (형식 오류 또는 링크 밖에서 옴)</translation>
    </message>
    <message>
        <source>network-booting machines wait about 10 s for an IPv6 router at every boot</source>
        <translation>네트워크 부팅하는 머신이 부팅할 때마다 IPv6 라우터를 약 10초 기다립니다</translation>
    </message>
    <message>
        <source>IPv6 is disabled on %1: %2. Enable it to end the wait: sysctl -w net.ipv6.conf.%1.disable_ipv6=0</source>
        <translation>%1에서 IPv6가 꺼져 있습니다: %2. 대기를 없애려면 IPv6를 켜세요: sysctl -w net.ipv6.conf.%1.disable_ipv6=0</translation>
    </message>
    <message>
        <source>IPv6 router solicitations on %1 are not answered (%2): %3. It needs root or the capability: sudo setcap cap_net_bind_service,cap_net_raw=ep %4</source>
        <translation>%1의 IPv6 라우터 요청에 응답하지 않습니다 (%2): %3. root 권한이나 다음 capability가 필요합니다: sudo setcap cap_net_bind_service,cap_net_raw=ep %4</translation>
    </message>
    <message>
        <source>IPv6 router solicitations on %1 are not answered (%2): %3</source>
        <translation>%1의 IPv6 라우터 요청에 응답하지 않습니다 (%2): %3</translation>
    </message>
</context>
<context>
    <name>DhcpProbe</name>
    <message>
        <source>%1 (offered %2)</source>
        <translation>%1(제안한 주소 %2)</translation>
    </message>
    <message>
        <source>cannot look for DHCP servers on %1: no such Ethernet interface</source>
        <translation>%1에서 DHCP 서버를 검색할 수 없습니다: 그런 이더넷 인터페이스가 없습니다</translation>
    </message>
    <message>
        <source>cannot look for DHCP servers on %1: %2</source>
        <translation>%1에서 DHCP 서버를 검색할 수 없습니다: %2</translation>
    </message>
    <message>
        <source>cannot look for DHCP servers on %1: %2 (port %3 needs root or: sudo setcap cap_net_bind_service,cap_net_raw=ep %4)</source>
        <translation>%1에서 DHCP 서버를 검색할 수 없습니다: %2 (포트 %3에는 root 권한 또는 다음이 필요합니다: sudo setcap cap_net_bind_service,cap_net_raw=ep %4)</translation>
    </message>
</context>
<context>
    <name>Events</name>
    <message>
        <source>none</source>
        <translation>없음</translation>
    </message>
    <message>
        <source>%1 CPUs (%2), %3 MiB of memory; disks: %4; NICs: %5; %6 firmware; %7</source>
        <translation>CPU %1개(%2), 메모리 %3 MiB; 디스크: %4; NIC: %5; %6 펌웨어; %7</translation>
    </message>
    <message>
        <source>Machine created</source>
        <translation>머신 생성됨</translation>
    </message>
    <message>
        <source>Timed out: %1 took longer than %2 minutes</source>
        <translation>시간 초과: %1 상태가 %2분을 넘었습니다</translation>
    </message>
    <message>
        <source>Commission by %1</source>
        <translation>커미션 (%1)</translation>
    </message>
    <message>
        <source>Acquire by %1</source>
        <translation>할당 (%1)</translation>
    </message>
    <message>
        <source>Deploy by %1</source>
        <translation>배포 (%1)</translation>
    </message>
    <message>
        <source>Power on by %1</source>
        <translation>전원 켜기 (%1)</translation>
    </message>
    <message>
        <source>Power off by %1</source>
        <translation>전원 끄기 (%1)</translation>
    </message>
    <message>
        <source>Release by %1</source>
        <translation>릴리스 (%1)</translation>
    </message>
    <message>
        <source>Abort by %1</source>
        <translation>중단 (%1)</translation>
    </message>
    <message>
        <source>Test by %1</source>
        <translation>테스트 (%1)</translation>
    </message>
    <message>
        <source>Enter rescue mode by %1</source>
        <translation>복구 모드 진입 (%1)</translation>
    </message>
    <message>
        <source>Exit rescue mode by %1</source>
        <translation>복구 모드 종료 (%1)</translation>
    </message>
    <message>
        <source>Mark broken by %1</source>
        <translation>고장으로 표시 (%1)</translation>
    </message>
    <message>
        <source>Mark fixed by %1</source>
        <translation>수리됨으로 표시 (%1)</translation>
    </message>
    <message>
        <source>Override failed testing by %1</source>
        <translation>테스트 실패 무시 (%1)</translation>
    </message>
    <message>
        <source>Delete by %1</source>
        <translation>삭제 (%1)</translation>
    </message>
    <message>
        <source>Power check failed: %1</source>
        <translation>전원 확인 실패: %1</translation>
    </message>
    <message>
        <source>Power on failed: %1</source>
        <translation>전원 켜기 실패: %1</translation>
    </message>
    <message>
        <source>Power off failed: %1</source>
        <translation>전원 끄기 실패: %1</translation>
    </message>
    <message>
        <source>Power cycle failed: %1</source>
        <translation>전원 재시작 실패: %1</translation>
    </message>
    <message>
        <source>Powered on (%1)</source>
        <translation>전원 켜짐 (%1)</translation>
    </message>
    <message>
        <source>Powered off (%1)</source>
        <translation>전원 꺼짐 (%1)</translation>
    </message>
    <message>
        <source>Power cycled (%1)</source>
        <translation>전원 재시작됨 (%1)</translation>
    </message>
    <message>
        <source>Power is %1 (found by the regular power check)</source>
        <translation>전원 %1 (정기 전원 확인에서 발견)</translation>
    </message>
    <message>
        <source>Power checked: %1</source>
        <translation>전원 확인됨: %1</translation>
    </message>
    <message>
        <source>Power is manual: switch %1 on by hand</source>
        <translation>수동 전원: %1의 전원을 직접 켜세요</translation>
    </message>
    <message>
        <source>Power is manual: switch %1 off by hand</source>
        <translation>수동 전원: %1의 전원을 직접 끄세요</translation>
    </message>
    <message>
        <source>Power is manual: restart %1 by hand (or switch it on)</source>
        <translation>수동 전원: %1을(를) 직접 재시작하세요 (꺼져 있으면 켜세요)</translation>
    </message>
    <message>
        <source>Wake-on-LAN packet sent to %1 (if it was on, restart it by hand)</source>
        <translation>%1에 Wake-on-LAN 패킷을 보냈습니다 (켜져 있었다면 직접 재시작하세요)</translation>
    </message>
    <message>
        <source>Wake-on-LAN packet sent to %1: whether it woke cannot be read</source>
        <translation>%1에 Wake-on-LAN 패킷을 보냈습니다: 켜졌는지는 알 수 없습니다</translation>
    </message>
    <message>
        <source>Chassis %1: its new certificate is trusted (SHA-256 %2)</source>
        <translation>섀시 %1: 새 인증서를 신뢰합니다 (SHA-256 %2)</translation>
    </message>
    <message>
        <source>%1; %2</source>
        <translation>%1; %2</translation>
    </message>
    <message>
        <source>Chassis %1: VM %2 changed (%3)</source>
        <translation>섀시 %1: VM %2이(가) 바뀌었습니다 (%3)</translation>
    </message>
    <message>
        <source>The VM %1 is no longer on chassis %2: power calls will fail until it is back or the machine is deleted</source>
        <translation>VM %1이(가) 더 이상 섀시 %2에 없습니다: VM이 돌아오거나 머신을 삭제할 때까지 전원 호출은 실패합니다</translation>
    </message>
    <message>
        <source>The machine reports the architecture %1, which MetalDesk&apos;s boot environment does not support (it supports %2)</source>
        <translation>머신이 보고한 아키텍처 %1은(는) MetalDesk 부팅 환경이 지원하지 않습니다(지원: %2)</translation>
    </message>
    <message numerus="yes">
        <source>%n reports of the machine were not recorded: more than %1 came within a minute</source>
        <translation>
            <numerusform>머신의 보고 %n건을 기록하지 않았습니다: 1분 안에 %1건을 넘게 보냈습니다</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 or %2</source>
        <translation>%1 또는 %2</translation>
    </message>
    <message>
        <source>Ignored the boot environment&apos;s %1 report: the machine is %2, not %3</source>
        <translation>부팅 환경의 %1 보고를 무시했습니다: 머신이 %3 상태가 아니라 %2 상태입니다</translation>
    </message>
    <message>
        <source>A machine tried to enlist, but enlistment is off (enlist_max_new_machines is 0): add machines by hand, or allow it with metaldesk set-config enlist_max_new_machines 100</source>
        <translation>머신이 등록하려 했지만 등록이 꺼져 있습니다(enlist_max_new_machines가 0). 머신을 직접 추가하거나 metaldesk set-config enlist_max_new_machines 100 으로 등록을 허용하세요</translation>
    </message>
    <message>
        <source>A machine (MAC %1) tried to enlist with the architecture %2, which MetalDesk&apos;s boot environment does not support (it supports %3)</source>
        <translation>머신(MAC %1)이 아키텍처 %2(으)로 등록하려 했지만 MetalDesk 부팅 환경은 이를 지원하지 않습니다(지원: %3)</translation>
    </message>
    <message>
        <source>The boot environment enlisted this machine again (it was known already); nothing changed</source>
        <translation>부팅 환경이 이 머신을 다시 등록했습니다(이미 알려진 머신). 바뀐 것은 없습니다</translation>
    </message>
    <message>
        <source>Enlisted by the boot environment: %1</source>
        <translation>부팅 환경이 등록함: %1</translation>
    </message>
    <message>
        <source>A machine (MAC %1) could not enlist: %2 machines are New already, the most enlist_max_new_machines allows. Commission or delete some, or raise the limit: metaldesk set-config enlist_max_new_machines %3</source>
        <translation>머신(MAC %1)을 등록하지 못했습니다: 이미 %2대가 새 머신 상태이고, enlist_max_new_machines가 허용하는 최대입니다. 일부를 커미션하거나 삭제하세요. 또는 한도를 올리세요: metaldesk set-config enlist_max_new_machines %3</translation>
    </message>
    <message>
        <source>Commissioning results received: %1</source>
        <translation>커미션 결과를 받았습니다: %1</translation>
    </message>
    <message>
        <source>Commissioning finished</source>
        <translation>커미션 완료</translation>
    </message>
    <message>
        <source>The boot environment is working</source>
        <translation>부팅 환경이 작업 중입니다</translation>
    </message>
    <message>
        <source>The boot environment is working: %1</source>
        <translation>부팅 환경이 작업 중입니다: %1</translation>
    </message>
    <message>
        <source>The boot environment reported a failure without a reason</source>
        <translation>부팅 환경이 이유 없이 실패를 보고했습니다</translation>
    </message>
    <message>
        <source>The image is on the disk; the machine restarts into the installed system</source>
        <translation>이미지를 디스크에 썼습니다; 머신이 설치된 시스템으로 다시 시작합니다</translation>
    </message>
    <message>
        <source>Disks erased; released</source>
        <translation>디스크를 지웠습니다; 해제됨</translation>
    </message>
    <message>
        <source>Released</source>
        <translation>해제됨</translation>
    </message>
    <message>
        <source>The boot disk %1 is not one the machine reported while commissioning: commission it again</source>
        <translation>부팅 디스크 %1은(는) 머신이 커미션 때 보고한 디스크가 아닙니다. 다시 커미션하세요</translation>
    </message>
    <message>
        <source>The image %1 has no kernel and initrd to install with it: import it again</source>
        <translation>이미지 %1에는 함께 설치할 커널과 initrd가 없습니다. 다시 가져오세요</translation>
    </message>
    <message>
        <source>No address is free in the reserved range %1-%2: widen the range on the Network page, or give this machine a static address</source>
        <translation>예약 범위 %1-%2에 남은 주소가 없습니다: 네트워크 페이지에서 범위를 넓히거나 이 머신에 고정 주소를 지정하세요</translation>
    </message>
    <message>
        <source>The boot environment asked what to install: %1, address %2</source>
        <translation>부팅 환경이 설치할 내용을 요청했습니다: %1, 주소 %2</translation>
    </message>
    <message>
        <source>no image chosen</source>
        <translation>선택된 이미지 없음</translation>
    </message>
    <message>
        <source>Deployed: the installed system&apos;s cloud-init fetched its configuration</source>
        <translation>배포됨: 설치된 시스템의 cloud-init이 설정을 가져갔습니다</translation>
    </message>
    <message>
        <source>cloud-init %1 %2: %3</source>
        <translation>cloud-init %1 %2: %3</translation>
    </message>
    <message>
        <source>cloud-init failed in the installed system: %1</source>
        <translation>설치된 시스템에서 cloud-init이 실패했습니다: %1</translation>
    </message>
    <message>
        <source>the kernel command line has no valid metaldesk.token (consumer_key:token_key:token_secret) for %1; check the iPXE script MetalDesk serves for this machine</source>
        <translation>커널 명령줄에 %1용 유효한 metaldesk.token(consumer_key:token_key:token_secret)이 없습니다. MetalDesk가 이 머신에 보내는 iPXE 스크립트를 확인하세요</translation>
    </message>
    <message>
        <source>the kernel command line has no metaldesk.purpose; boot this environment from MetalDesk&apos;s iPXE script</source>
        <translation>커널 명령줄에 metaldesk.purpose가 없습니다. 이 환경은 MetalDesk의 iPXE 스크립트로 부팅하세요</translation>
    </message>
    <message>
        <source>unknown metaldesk.purpose &apos;%1&apos; (expected enlist, commission, deploy, release, rescue or poweroff)</source>
        <translation>알 수 없는 metaldesk.purpose &apos;%1&apos; (가능한 값: enlist, commission, deploy, release, rescue, poweroff)</translation>
    </message>
    <message>
        <source>the kernel command line has no metaldesk.metadata URL; boot this environment from MetalDesk&apos;s iPXE script</source>
        <translation>커널 명령줄에 metaldesk.metadata 주소가 없습니다. 이 환경은 MetalDesk의 iPXE 스크립트로 부팅하세요</translation>
    </message>
    <message>
        <source>unknown metaldesk.erase &apos;%1&apos; (expected none, quick or secure)</source>
        <translation>알 수 없는 metaldesk.erase &apos;%1&apos; (가능한 값: none, quick, secure)</translation>
    </message>
    <message>
        <source>no NIC got an address by DHCP (tried: %1); check that this machine&apos;s boot NIC is on MetalDesk&apos;s boot network</source>
        <translation>DHCP로 주소를 받은 NIC가 없습니다(시도: %1). 이 머신의 부팅 NIC가 MetalDesk의 부트 네트워크에 연결되어 있는지 확인하세요</translation>
    </message>
    <message>
        <source>the %1 did not finish within %2 minutes; see this machine&apos;s console</source>
        <translation>%1 작업이 %2분 안에 끝나지 않았습니다. 이 머신의 콘솔을 확인하세요</translation>
    </message>
    <message>
        <source>the boot environment&apos;s agent stopped unexpectedly (status %1); see this machine&apos;s console</source>
        <translation>부팅 환경의 에이전트가 예기치 않게 멈췄습니다(상태 %1). 이 머신의 콘솔을 확인하세요</translation>
    </message>
    <message>
        <source>could not download %1 %2 (%3); check the image in MetalDesk</source>
        <translation>%1 %2을(를) 내려받지 못했습니다(%3). MetalDesk에서 이미지를 확인하세요</translation>
    </message>
    <message>
        <source>%1 %2 does not match its SHA-256 (got %3, the catalogue says %4); import the image again</source>
        <translation>%1 %2의 SHA-256이 맞지 않습니다(받은 값 %3, 카탈로그 값 %4). 이미지를 다시 가져오세요</translation>
    </message>
    <message>
        <source>the image&apos;s boot-initrd holds an archive this environment cannot unpack (gzip, xz, zstd or cpio) at byte %1</source>
        <translation>이미지의 boot-initrd의 %1바이트 위치에 이 환경이 풀 수 없는 압축 파일이 있습니다(gzip, xz, zstd, cpio만 가능)</translation>
    </message>
    <message>
        <source>the image&apos;s boot-initrd could not be unpacked (%1)</source>
        <translation>이미지의 boot-initrd를 풀지 못했습니다(%1)</translation>
    </message>
    <message>
        <source>the image&apos;s boot-initrd has an uncompressed archive without its end (TRAILER!!!)</source>
        <translation>이미지의 boot-initrd에 끝(TRAILER!!!)이 없는 압축되지 않은 아카이브가 있습니다</translation>
    </message>
    <message>
        <source>MetalDesk sent no kernel or initrd with the %1 image; import the image again</source>
        <translation>MetalDesk가 %1 이미지와 함께 커널이나 initrd를 보내지 않았습니다. 이미지를 다시 가져오세요</translation>
    </message>
    <message>
        <source>/dev/%1 (%2 MiB) is too small for a root filesystem (1 GiB at least)</source>
        <translation>/dev/%1(%2 MiB)은(는) 루트 파일 시스템에 너무 작습니다(최소 1 GiB)</translation>
    </message>
    <message>
        <source>could not clear /dev/%1 (%2); the disk may be failing</source>
        <translation>/dev/%1을(를) 지우지 못했습니다(%2). 디스크가 고장 났을 수 있습니다</translation>
    </message>
    <message>
        <source>could not partition /dev/%1 (%2)</source>
        <translation>/dev/%1의 파티션을 나누지 못했습니다(%2)</translation>
    </message>
    <message>
        <source>the kernel shows no /dev/%1 after partitioning /dev/%2</source>
        <translation>/dev/%2의 파티션을 나눈 뒤에도 커널에 /dev/%1이(가) 보이지 않습니다</translation>
    </message>
    <message>
        <source>could not make the EFI system partition on /dev/%1 (%2)</source>
        <translation>/dev/%1에 EFI 시스템 파티션을 만들지 못했습니다(%2)</translation>
    </message>
    <message>
        <source>could not make the root filesystem on /dev/%1 (%2)</source>
        <translation>/dev/%1에 루트 파일 시스템을 만들지 못했습니다(%2)</translation>
    </message>
    <message>
        <source>could not mount the new root filesystem /dev/%1</source>
        <translation>새 루트 파일 시스템 /dev/%1을(를) 마운트하지 못했습니다</translation>
    </message>
    <message>
        <source>the image %1 is not a squashfs this kernel can read</source>
        <translation>이미지 %1은(는) 이 커널이 읽을 수 있는 squashfs가 아닙니다</translation>
    </message>
    <message>
        <source>could not download the image %1 (%2); check the image in MetalDesk</source>
        <translation>이미지 %1을(를) 내려받지 못했습니다(%2). MetalDesk에서 이미지를 확인하세요</translation>
    </message>
    <message>
        <source>MetalDesk sent an image of format &apos;%1&apos;, which this environment cannot install</source>
        <translation>MetalDesk가 보낸 이미지의 형식 &apos;%1&apos;은(는) 이 환경이 설치할 수 없습니다</translation>
    </message>
    <message>
        <source>extracting the image onto /dev/%1 failed (%2); the disk may be full or failing</source>
        <translation>이미지를 /dev/%1에 풀지 못했습니다(%2). 디스크가 가득 찼거나 고장 났을 수 있습니다</translation>
    </message>
    <message>
        <source>the image %1 holds no root filesystem (no /etc, no /usr/bin/env)</source>
        <translation>이미지 %1에 루트 파일 시스템이 없습니다(/etc와 /usr/bin/env가 없음)</translation>
    </message>
    <message>
        <source>the image&apos;s boot-initrd names no kernel version (lib/modules/&lt;version&gt;)</source>
        <translation>이미지의 boot-initrd에 커널 버전(lib/modules/&lt;version&gt;)이 없습니다</translation>
    </message>
    <message>
        <source>could not copy the kernel&apos;s modules into the installed system</source>
        <translation>커널 모듈을 설치된 시스템에 복사하지 못했습니다</translation>
    </message>
    <message>
        <source>neither the image&apos;s boot-initrd nor its root holds the modules of kernel %1</source>
        <translation>이미지의 boot-initrd와 루트 어디에도 커널 %1의 모듈이 없습니다</translation>
    </message>
    <message>
        <source>could not write the kernel into the installed system&apos;s /boot</source>
        <translation>설치된 시스템의 /boot에 커널을 쓰지 못했습니다</translation>
    </message>
    <message>
        <source>could not prepare the installed system to run its own tools</source>
        <translation>설치된 시스템이 자체 도구를 실행하도록 준비하지 못했습니다</translation>
    </message>
    <message>
        <source>could not write GRUB&apos;s configuration into the installed system</source>
        <translation>설치된 시스템에 GRUB 설정을 쓰지 못했습니다</translation>
    </message>
    <message>
        <source>could not write GRUB for BIOS to /dev/%1 (%2)</source>
        <translation>/dev/%1에 BIOS용 GRUB을 쓰지 못했습니다(%2)</translation>
    </message>
    <message>
        <source>could not mount the new EFI system partition /dev/%1</source>
        <translation>새 EFI 시스템 파티션 /dev/%1을(를) 마운트하지 못했습니다</translation>
    </message>
    <message>
        <source>could not write GRUB for UEFI to /dev/%1</source>
        <translation>/dev/%1에 UEFI용 GRUB을 쓰지 못했습니다</translation>
    </message>
    <message>
        <source>the image</source>
        <translation>이미지</translation>
    </message>
    <message>
        <source>the boot-initrd</source>
        <translation>boot-initrd</translation>
    </message>
    <message>
        <source>the boot-kernel</source>
        <translation>boot-kernel</translation>
    </message>
    <message>
        <source>enlist</source>
        <translation>등록</translation>
    </message>
    <message>
        <source>commission</source>
        <translation>커미션</translation>
    </message>
    <message>
        <source>deploy</source>
        <translation>배포</translation>
    </message>
    <message>
        <source>release</source>
        <translation>릴리스</translation>
    </message>
    <message>
        <source>rescue</source>
        <translation>복구</translation>
    </message>
    <message>
        <source>the image is larger than /dev/%1 (%2 MiB); choose a bigger disk or a smaller image</source>
        <translation>이미지가 /dev/%1(%2 MiB)보다 큽니다. 더 큰 디스크나 더 작은 이미지를 고르세요</translation>
    </message>
    <message>
        <source>could not zero /dev/%1 where the image holds no data (%2); the disk may be failing</source>
        <translation>이미지에 데이터가 없는 /dev/%1 영역을 0으로 채울 수 없습니다 (%2). 디스크가 고장 나고 있을 수 있습니다</translation>
    </message>
    <message>
        <source>writing the image to /dev/%1 failed (%2); the disk may be failing</source>
        <translation>이미지를 /dev/%1에 쓰지 못했습니다 (%2). 디스크가 고장 나고 있을 수 있습니다</translation>
    </message>
    <message>
        <source>the block map</source>
        <translation>블록 맵</translation>
    </message>
</context>
<context>
    <name>Files</name>
    <message>
        <source>a file name has 1 to 255 characters</source>
        <translation>파일 이름은 1~255자입니다</translation>
    </message>
    <message>
        <source>a file name has no control characters</source>
        <translation>파일 이름에는 제어 문자가 없어야 합니다</translation>
    </message>
</context>
<context>
    <name>Headless</name>
    <message>
        <source>No display found (DISPLAY and WAYLAND_DISPLAY are not set): running headless. Start MetalDesk from a desktop session for the window.</source>
        <translation>디스플레이가 없습니다(DISPLAY와 WAYLAND_DISPLAY가 설정되지 않음): 헤드리스로 실행합니다. 창을 보려면 데스크톱 세션에서 MetalDesk를 시작하세요.</translation>
    </message>
    <message>
        <source>MetalDesk %1 running headless (pid %2)</source>
        <translation>MetalDesk %1 헤드리스 실행 중(pid %2)</translation>
    </message>
    <message>
        <source>  database:  %1 (schema version %2)</source>
        <translation>  데이터베이스: %1(스키마 버전 %2)</translation>
    </message>
    <message>
        <source>  service:   %1: %2</source>
        <translation>  서비스:     %1: %2</translation>
    </message>
    <message>
        <source>Stop with Ctrl+C or: kill -TERM %1</source>
        <translation>중지하려면 Ctrl+C 또는: kill -TERM %1</translation>
    </message>
    <message>
        <source>MetalDesk stopped (signal %1).</source>
        <translation>MetalDesk가 중지되었습니다(시그널 %1).</translation>
    </message>
    <message>
        <source>DHCP is not started: %1</source>
        <translation>DHCP를 시작하지 않았습니다: %1</translation>
    </message>
    <message>
        <source>TFTP is not started: %1</source>
        <translation>TFTP를 시작하지 않았습니다: %1</translation>
    </message>
    <message>
        <source>The HTTP boot server is not started: %1</source>
        <translation>HTTP 부트 서버를 시작하지 않았습니다: %1</translation>
    </message>
    <message>
        <source>The MAAS API and metadata service is not started: %1</source>
        <translation>MAAS API와 메타데이터 서비스가 시작되지 않았습니다: %1</translation>
    </message>
    <message>
        <source>  not running: %1</source>
        <translation>  실행 안 함: %1</translation>
    </message>
    <message>
        <source>none is up</source>
        <translation>켜진 인터페이스 없음</translation>
    </message>
    <message>
        <source>DHCP is not running: no boot interface is chosen, so machines cannot PXE-boot from MetalDesk. Choose the interface on the machines&apos; network (%1): metaldesk set-config dhcp_interface NAME, or the Network page</source>
        <translation>DHCP가 실행되고 있지 않습니다: 부트 인터페이스를 선택하지 않아 머신이 MetalDesk에서 PXE 부팅할 수 없습니다. 머신이 연결된 네트워크의 인터페이스(%1)를 선택하세요: metaldesk set-config dhcp_interface 이름, 또는 네트워크 페이지</translation>
    </message>
    <message>
        <source>The open-file limit is %1, below the 2,500 that TFTP, HTTP and the metadata service can hold at their caps: under load they refuse clients. Raise the hard limit (ulimit -Hn, or LimitNOFILE= in a service unit).</source>
        <translation>열린 파일 제한이 %1로, TFTP, HTTP, 메타데이터 서비스가 최대로 쓸 수 있는 2,500개보다 적습니다. 부하가 걸리면 클라이언트를 거부합니다. 하드 제한을 올리세요(ulimit -Hn, 또는 서비스 유닛의 LimitNOFILE=).</translation>
    </message>
    <message>
        <source>  address:   %1 (boot servers), %2 (API): %3</source>
        <translation>  주소:       %1(부트 서버), %2(API): %3</translation>
    </message>
    <message>
        <source>chosen with --listen</source>
        <translation>--listen으로 지정함</translation>
    </message>
    <message>
        <source>loopback only: no boot interface is chosen (the Network page, or metaldesk set-config dhcp_interface NAME; every address: --listen 0.0.0.0)</source>
        <translation>루프백에서만: 부트 인터페이스가 선택되지 않았습니다(네트워크 페이지 또는 metaldesk set-config dhcp_interface NAME, 모든 주소: --listen 0.0.0.0)</translation>
    </message>
    <message>
        <source>the boot interface %1, and loopback for the API (every address: --listen 0.0.0.0)</source>
        <translation>부트 인터페이스 %1, API는 루프백에서도(모든 주소: --listen 0.0.0.0)</translation>
    </message>
    <message>
        <source>loopback only: the boot interface %1 has no IPv4 address (every address: --listen 0.0.0.0)</source>
        <translation>루프백에서만: 부트 인터페이스 %1에 IPv4 주소가 없습니다(모든 주소: --listen 0.0.0.0)</translation>
    </message>
    <message>
        <source>The MAAS API and metadata service waits for the first account: it starts within a second of the first-run wizard or of metaldesk createadmin</source>
        <translation>MAAS API와 메타데이터 서비스는 첫 계정을 기다립니다: 첫 실행 마법사나 metaldesk createadmin 후 1초 안에 시작됩니다</translation>
    </message>
</context>
<context>
    <name>Http</name>
    <message>
        <source>requests answered</source>
        <translation>응답한 요청</translation>
    </message>
    <message>
        <source>answered 2xx (success)</source>
        <translation>2xx 응답(성공)</translation>
    </message>
    <message>
        <source>answered 4xx (client error)</source>
        <translation>4xx 응답(클라이언트 오류)</translation>
    </message>
    <message>
        <source>answered 5xx (server error)</source>
        <translation>5xx 응답(서버 오류)</translation>
    </message>
    <message>
        <source>bytes sent</source>
        <translation>보낸 바이트</translation>
    </message>
    <message>
        <source>connections open</source>
        <translation>열린 연결</translation>
    </message>
    <message>
        <source>connections accepted</source>
        <translation>수락한 연결</translation>
    </message>
    <message>
        <source>connections refused (over the limit)</source>
        <translation>거부된 연결(한도 초과)</translation>
    </message>
    <message>
        <source>bad requests</source>
        <translation>잘못된 요청</translation>
    </message>
    <message>
        <source>timed out</source>
        <translation>시간 초과</translation>
    </message>
</context>
<context>
    <name>HttpBoot</name>
    <message>
        <source>the listen address &apos;%1&apos; is not an IP address</source>
        <translation>수신 주소 &apos;%1&apos;은(는) IP 주소가 아닙니다</translation>
    </message>
    <message>
        <source>boot files over HTTP on tcp %1:%2 from %3</source>
        <translation>TCP %1:%2에서 HTTP로 부트 파일 제공, 파일 위치 %3</translation>
    </message>
</context>
<context>
    <name>ImageDownloads</name>
    <message>
        <source>cancelled</source>
        <translation>취소됨</translation>
    </message>
    <message>
        <source>%1 redirects too often or from https to http (%2)</source>
        <translation>%1이(가) 너무 많이 리디렉션하거나 https에서 http로 리디렉션합니다 (%2)</translation>
    </message>
    <message>
        <source>%1 sent nothing for %2 seconds</source>
        <translation>%1이(가) %2초 동안 아무것도 보내지 않았습니다</translation>
    </message>
    <message>
        <source>cannot reach %1: %2</source>
        <translation>%1에 연결할 수 없습니다: %2</translation>
    </message>
    <message>
        <source>the transfer of %1 broke off: %2</source>
        <translation>%1 전송이 중간에 끊겼습니다: %2</translation>
    </message>
    <message>
        <source>%1 answered HTTP %2</source>
        <translation>%1이(가) HTTP %2(으)로 응답했습니다</translation>
    </message>
    <message>
        <source>%1 is larger than the %2 bytes a mirror&apos;s index may be</source>
        <translation>%1이(가) 미러 인덱스의 최대 크기인 %2바이트보다 큽니다</translation>
    </message>
    <message>
        <source>cannot write %1: %2</source>
        <translation>%1에 쓸 수 없습니다: %2</translation>
    </message>
    <message>
        <source>%1 answered a range that was not asked for (%2)</source>
        <translation>%1이(가) 요청하지 않은 범위로 응답했습니다 (%2)</translation>
    </message>
    <message>
        <source>%1 is larger than the %2 bytes its mirror lists</source>
        <translation>%1이(가) 미러에 적힌 %2바이트보다 큽니다</translation>
    </message>
    <message>
        <source>%1 ended after %2 of its %3 bytes</source>
        <translation>%1이(가) %3바이트 중 %2바이트에서 끝났습니다</translation>
    </message>
    <message>
        <source>%1 does not match its SHA-256 (expected %2, got %3): removed, it is fetched again at the next attempt</source>
        <translation>%1이(가) SHA-256과 일치하지 않습니다 (기대값 %2, 실제 %3). 삭제했으며 다음 시도에서 다시 받습니다</translation>
    </message>
    <message>
        <source>cannot move %1 into place</source>
        <translation>%1을(를) 제자리로 옮길 수 없습니다</translation>
    </message>
</context>
<context>
    <name>ImageImport</name>
    <message>
        <source>%1 is signed, but the source has no keyring to check it with</source>
        <translation>%1은(는) 서명되어 있지만 소스에 이를 확인할 키링이 없습니다</translation>
    </message>
    <message>
        <source>%1 is refused: %2</source>
        <translation>%1을(를) 거부했습니다: %2</translation>
    </message>
    <message>
        <source>imported from %1</source>
        <translation>%1에서 가져옴</translation>
    </message>
    <message>
        <source>%1 %2 has no files MetalDesk can deploy (a squashfs with its kernel and initrd, or a root-tgz)</source>
        <translation>%1 %2에는 MetalDesk가 배포할 수 있는 파일이 없습니다 (커널과 initrd가 있는 squashfs, 또는 root-tgz)</translation>
    </message>
    <message>
        <source>there is no image source: add one (MAAS&apos;s is %1, signed with key %2)</source>
        <translation>이미지 소스가 없습니다. 소스를 추가하세요 (MAAS의 소스는 %1이며 키 %2로 서명됩니다)</translation>
    </message>
    <message>
        <source>Reading %1</source>
        <translation>%1 읽는 중</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>%1%2: %3</source>
        <translation>%1%2: %3</translation>
    </message>
    <message>
        <source>%1 has nothing that matches %2</source>
        <translation>%1에 %2와(과) 일치하는 것이 없습니다</translation>
    </message>
    <message>
        <source>nothing to import: %1</source>
        <translation>가져올 것이 없습니다: %1</translation>
    </message>
    <message>
        <source>cannot make the image store %1</source>
        <translation>이미지 저장소 %1을(를) 만들 수 없습니다</translation>
    </message>
    <message>
        <source>Checking the files already in the image store</source>
        <translation>이미지 저장소에 이미 있는 파일을 확인하는 중</translation>
    </message>
    <message>
        <source>the import needs %1 on %2, which has %3 free</source>
        <translation>가져오기에 %2의 공간 %1이(가) 필요하지만 남은 공간은 %3입니다</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>취소됨</translation>
    </message>
    <message>
        <source>Import images</source>
        <translation>이미지 가져오기</translation>
    </message>
    <message>
        <source>another import (process %1) is writing to %2: wait for it to end</source>
        <translation>다른 가져오기(프로세스 %1)가 %2에 쓰고 있습니다. 끝날 때까지 기다리세요</translation>
    </message>
    <message>
        <source>cannot remove %1</source>
        <translation>%1을(를) 지울 수 없습니다</translation>
    </message>
    <message>
        <source>Fetching 1 file</source>
        <translation>파일 1개를 받는 중</translation>
    </message>
    <message>
        <source>Fetching %1 files, %2 at a time</source>
        <translation>파일 %1개를 한 번에 %2개씩 받는 중</translation>
    </message>
    <message>
        <source>Every file is in the image store already</source>
        <translation>모든 파일이 이미 이미지 저장소에 있습니다</translation>
    </message>
</context>
<context>
    <name>ImageSignatures</name>
    <message>
        <source>cannot make a directory for GnuPG under /tmp</source>
        <translation>/tmp 아래에 GnuPG용 디렉터리를 만들 수 없습니다</translation>
    </message>
    <message>
        <source>GnuPG cannot be used: %1</source>
        <translation>GnuPG를 사용할 수 없습니다: %1</translation>
    </message>
    <message>
        <source>GnuPG&apos;s gpg is not installed (Debian package gnupg): signatures cannot be checked</source>
        <translation>GnuPG의 gpg가 설치되어 있지 않아 서명을 확인할 수 없습니다 (Debian 패키지 gnupg)</translation>
    </message>
    <message>
        <source>the keyring cannot be read: %1</source>
        <translation>키링을 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>the keyring holds no OpenPGP public key</source>
        <translation>키링에 OpenPGP 공개 키가 없습니다</translation>
    </message>
    <message>
        <source>it is not signed (no OpenPGP clear-signed message)</source>
        <translation>서명되어 있지 않습니다 (OpenPGP 평문 서명 메시지가 아닙니다)</translation>
    </message>
    <message>
        <source>it holds more than one signed message</source>
        <translation>서명된 메시지가 두 개 이상 들어 있습니다</translation>
    </message>
    <message>
        <source>it has text after its signature</source>
        <translation>서명 뒤에 텍스트가 있습니다</translation>
    </message>
    <message>
        <source>its signature cannot be checked: %1</source>
        <translation>서명을 확인할 수 없습니다: %1</translation>
    </message>
    <message>
        <source>it is not signed</source>
        <translation>서명되어 있지 않습니다</translation>
    </message>
    <message>
        <source>its signature does not match its content (a changed file, or not what key %1 signed)</source>
        <translation>서명이 내용과 일치하지 않습니다 (파일이 바뀌었거나 키 %1이(가) 서명한 내용이 아닙니다)</translation>
    </message>
    <message>
        <source>it is signed by key %1, which is not in the source&apos;s keyring (it holds %2)</source>
        <translation>키 %1(으)로 서명되었지만 이 키는 소스의 키링에 없습니다 (키링에 있는 키: %2)</translation>
    </message>
    <message>
        <source>its signature by key %1 is no longer valid: %2</source>
        <translation>키 %1의 서명이 더 이상 유효하지 않습니다: %2</translation>
    </message>
    <message>
        <source>its signature could not be verified: %1</source>
        <translation>서명을 검증할 수 없습니다: %1</translation>
    </message>
</context>
<context>
    <name>ImageSources</name>
    <message>
        <source>&apos;%1&apos; is not an http:// or https:// address of a mirror</source>
        <translation>&apos;%1&apos;은(는) 미러의 http:// 또는 https:// 주소가 아닙니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an index path inside the mirror (such as %2)</source>
        <translation>&apos;%1&apos;은(는) 미러 안의 인덱스 경로가 아닙니다 (예: %2)</translation>
    </message>
    <message>
        <source>choose what to import, such as ubuntu/noble/amd64</source>
        <translation>가져올 것을 고르세요 (예: ubuntu/noble/amd64)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a selection: use os/release/architecture, such as ubuntu/noble/amd64 (* for any)</source>
        <translation>&apos;%1&apos;은(는) 올바른 선택이 아닙니다. os/release/아키텍처 형식을 쓰세요 (예: ubuntu/noble/amd64, 아무 값이나는 *)</translation>
    </message>
    <message>
        <source>the source has no keyring to check its signatures with; give the mirror&apos;s public key (for images.maas.io, the key %1), or mark the source unsigned</source>
        <translation>소스에 서명을 확인할 키링이 없습니다. 미러의 공개 키를 주거나 (images.maas.io는 키 %1), 소스를 서명 없음으로 표시하세요</translation>
    </message>
    <message>
        <source>the keyring cannot be used: %1</source>
        <translation>키링을 사용할 수 없습니다: %1</translation>
    </message>
    <message>
        <source>there is no image source %1</source>
        <translation>이미지 소스 %1이(가) 없습니다</translation>
    </message>
</context>
<context>
    <name>ImageUpload</name>
    <message>
        <source>a qcow2 image is converted with qemu-img, which is not installed (Debian package qemu-utils)</source>
        <translation>qcow2 이미지는 qemu-img로 변환하는데, qemu-img가 설치되어 있지 않습니다 (Debian 패키지 qemu-utils)</translation>
    </message>
    <message>
        <source>Converting the qcow2 image to raw with qemu-img</source>
        <translation>qemu-img로 qcow2 이미지를 raw로 변환하는 중</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>취소됨</translation>
    </message>
    <message>
        <source>cannot read %1: %2</source>
        <translation>%1을(를) 읽을 수 없습니다: %2</translation>
    </message>
    <message>
        <source>cannot write %1: %2</source>
        <translation>%1에 쓸 수 없습니다: %2</translation>
    </message>
    <message>
        <source>Copying %1 into the image store</source>
        <translation>%1을(를) 이미지 저장소로 복사하는 중</translation>
    </message>
    <message>
        <source>reading %1 failed: %2</source>
        <translation>%1 읽기 실패: %2</translation>
    </message>
    <message>
        <source>%1 is compressed with zstd, which the boot environment does not unpack: decompress it, or compress it with xz or gzip</source>
        <translation>%1은(는) zstd로 압축되어 있어 부팅 환경이 풀 수 없습니다. 압축을 풀거나 xz 또는 gzip으로 압축하세요</translation>
    </message>
    <message>
        <source>%1 is an installer ISO, not a disk image: MetalDesk writes disk images with cloud-init</source>
        <translation>%1은(는) 설치용 ISO이지 디스크 이미지가 아닙니다. MetalDesk는 cloud-init이 든 디스크 이미지를 씁니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a SHA-256 (64 hexadecimal digits)</source>
        <translation>&apos;%1&apos;은(는) SHA-256(16진수 64자리)이 아닙니다</translation>
    </message>
    <message>
        <source>cannot make %1</source>
        <translation>%1을(를) 만들 수 없습니다</translation>
    </message>
    <message>
        <source>%1 does not match the SHA-256 given: it is %2</source>
        <translation>%1이(가) 주어진 SHA-256과 맞지 않습니다: 실제 값은 %2입니다</translation>
    </message>
    <message>
        <source>cannot move %1 into place</source>
        <translation>%1을(를) 제자리로 옮길 수 없습니다</translation>
    </message>
    <message>
        <source>Add image %1</source>
        <translation>이미지 %1 추가</translation>
    </message>
    <message>
        <source>%1 did not start: %2</source>
        <translation>%1이(가) 시작되지 않았습니다: %2</translation>
    </message>
    <message>
        <source>%1 failed: %2</source>
        <translation>%1 실패: %2</translation>
    </message>
    <message>
        <source>cannot make a folder under %1</source>
        <translation>%1 아래에 폴더를 만들 수 없습니다</translation>
    </message>
    <message>
        <source>Taking the kernel and initrd out of %1</source>
        <translation>%1에서 커널과 initrd를 꺼내는 중</translation>
    </message>
    <message>
        <source>%1 has no /boot/vmlinuz-&lt;version&gt; with its /boot/initrd.img-&lt;version&gt;: MetalDesk installs the kernel the root filesystem carries, so install a kernel package in it before making the tarball%2</source>
        <translation>%1에 /boot/vmlinuz-&lt;버전&gt;과 그 /boot/initrd.img-&lt;버전&gt;이 없습니다. MetalDesk는 루트 파일 시스템에 든 커널을 설치하므로, tarball을 만들기 전에 커널 패키지를 설치하세요%2</translation>
    </message>
    <message>
        <source>%1 is a tar archive that is not compressed: compress it with gzip (a .tar.gz, as MAAS takes root tarballs) to add it as a root filesystem</source>
        <translation>%1은(는) 압축되지 않은 tar 아카이브입니다. 루트 파일 시스템으로 추가하려면 gzip으로 압축하세요 (MAAS처럼 .tar.gz)</translation>
    </message>
    <message>
        <source>%1 is not an image MetalDesk can deploy: a raw disk (with a partition table, or one ext4 filesystem), gzip, xz or bzip2 compressed, qcow2, or a root filesystem as a .tar.gz</source>
        <translation>%1은(는) MetalDesk가 배포할 수 있는 이미지가 아닙니다. raw 디스크(파티션 테이블이 있거나 ext4 파일 시스템 하나), gzip, xz, bzip2 압축, qcow2, 또는 .tar.gz 루트 파일 시스템이어야 합니다</translation>
    </message>
    <message>
        <source>Mapping where the image holds data, for faster deployments</source>
        <translation>더 빠른 배포를 위해 이미지에서 데이터가 있는 곳을 찾는 중</translation>
    </message>
    <message>
        <source>%1 could not be decompressed</source>
        <translation>%1의 압축을 풀 수 없습니다</translation>
    </message>
</context>
<context>
    <name>Images</name>
    <message>
        <source>&apos;%1&apos; is not an image name: use os/release, such as debian/bookworm</source>
        <translation>&apos;%1&apos;은(는) 이미지 이름이 아닙니다: debian/bookworm처럼 os/release를 쓰세요</translation>
    </message>
    <message>
        <source>the architecture &apos;%1&apos; is not one MetalDesk deploys (%2)</source>
        <translation>아키텍처 &apos;%1&apos;은(는) MetalDesk가 배포하는 아키텍처가 아닙니다(%2)</translation>
    </message>
    <message>
        <source>say which firmware the image boots on: bios, uefi or both</source>
        <translation>이미지가 부팅되는 펌웨어를 지정하세요: bios, uefi 또는 둘 다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a firmware: use bios or uefi</source>
        <translation>&apos;%1&apos;은(는) 펌웨어가 아닙니다: bios 또는 uefi를 쓰세요</translation>
    </message>
    <message>
        <source>the image has no location</source>
        <translation>이미지에 위치가 없습니다</translation>
    </message>
    <message>
        <source>there is no image %1 for %2</source>
        <translation>%2용 이미지 %1이(가) 없습니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an image format MetalDesk deploys (raw, raw.gz, raw.xz, raw.bz2, root-tgz)</source>
        <translation>&apos;%1&apos;은(는) MetalDesk가 배포하는 이미지 형식이 아닙니다 (raw, raw.gz, raw.xz, raw.bz2, root-tgz)</translation>
    </message>
</context>
<context>
    <name>ImagesCommand</name>
    <message>
        <source>cannot read %1: %2</source>
        <translation>%1을(를) 읽을 수 없습니다: %2</translation>
    </message>
    <message>
        <source>added from the command line</source>
        <translation>명령줄에서 추가함</translation>
    </message>
    <message>
        <source>%1 (%2) is in the catalogue: %3</source>
        <translation>%1(%2)이(가) 카탈로그에 있습니다: %3</translation>
    </message>
    <message>
        <source>unsigned</source>
        <translation>서명 없음</translation>
    </message>
    <message>
        <source>%1 is an image source</source>
        <translation>%1이(가) 이미지 소스가 되었습니다</translation>
    </message>
    <message>
        <source>left out: %1</source>
        <translation>제외됨: %1</translation>
    </message>
    <message>
        <source>%1 %2 version %3: %4, %5</source>
        <translation>%1 %2 버전 %3: %4, %5</translation>
    </message>
    <message>
        <source>a root filesystem tarball is added as a file (download it first): MetalDesk takes its kernel out of it</source>
        <translation>루트 파일 시스템 tarball은 파일로 추가합니다(먼저 내려받으세요): MetalDesk가 그 안에서 커널을 꺼냅니다</translation>
    </message>
</context>
<context>
    <name>Job</name>
    <message>
        <source>%1: cancelled; nothing was changed</source>
        <translation>%1: 취소했습니다. 바뀐 것은 없습니다</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>%1 남음</translation>
    </message>
    <message>
        <source>%1: done</source>
        <translation>%1: 완료</translation>
    </message>
    <message>
        <source>%1: %2 done</source>
        <translation>%1: %2 완료</translation>
    </message>
    <message>
        <source>%1: %2 failed: %3</source>
        <translation>%1: %2 실패: %3</translation>
    </message>
</context>
<context>
    <name>Keyring</name>
    <message>
        <source>the desktop keyring did not answer within %1 s</source>
        <translation>데스크톱 키링이 %1초 안에 응답하지 않았습니다</translation>
    </message>
    <message>
        <source>the desktop keyring: %1</source>
        <translation>데스크톱 키링: %1</translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <source>&apos;%1&apos; is not a valid name: use 1 to 64 letters, digits, &apos;-&apos; and &apos;_&apos;, starting with a letter or digit</source>
        <translation>&apos;%1&apos;은(는) 올바른 이름이 아닙니다: 문자나 숫자로 시작하는 1~64자의 문자, 숫자, &apos;-&apos;, &apos;_&apos;를 쓰세요</translation>
    </message>
    <message>
        <source>&apos;%1&apos; exists already</source>
        <translation>&apos;%1&apos;이(가) 이미 있습니다</translation>
    </message>
    <message>
        <source>no machine with system id %1</source>
        <translation>시스템 ID가 %1인 머신이 없습니다</translation>
    </message>
    <message>
        <source>there is no zone &apos;%1&apos;</source>
        <translation>영역 &apos;%1&apos;이(가) 없습니다</translation>
    </message>
    <message>
        <source>there is no resource pool &apos;%1&apos;</source>
        <translation>리소스 풀 &apos;%1&apos;이(가) 없습니다</translation>
    </message>
    <message>
        <source>only the machine&apos;s owner can keep notes on it</source>
        <translation>머신 소유자만 메모를 남길 수 있습니다</translation>
    </message>
</context>
<context>
    <name>Lifecycle</name>
    <message>
        <source>cannot %1: machine is %2</source>
        <translation>%1 불가: 머신 상태가 %2입니다</translation>
    </message>
    <message>
        <source>cannot %1: only an administrator may</source>
        <translation>%1 불가: 관리자만 할 수 있습니다</translation>
    </message>
    <message>
        <source>cannot %1: only the machine&apos;s owner or an administrator may</source>
        <translation>%1 불가: 머신 소유자나 관리자만 할 수 있습니다</translation>
    </message>
    <message>
        <source>cannot %1: the machine belongs to another user</source>
        <translation>%1 불가: 다른 사용자의 머신입니다</translation>
    </message>
    <message>
        <source>cannot %1: the machine has no power driver set</source>
        <translation>%1 불가: 머신에 전원 드라이버가 설정되지 않았습니다</translation>
    </message>
    <message>
        <source>unknown erase mode &apos;%1&apos; (expected quick or secure)</source>
        <translation>알 수 없는 지우기 방식 &apos;%1&apos; (quick 또는 secure여야 합니다)</translation>
    </message>
</context>
<context>
    <name>Listen</name>
    <message>
        <source>cannot listen on tcp %1 port %2: %3</source>
        <translation>TCP %1 포트 %2에서 수신할 수 없습니다: %3</translation>
    </message>
    <message>
        <source>cannot listen on tcp %1 port %2: ports below 1024 need root or the capability. Give it with: sudo setcap cap_net_bind_service=ep %3</source>
        <translation>TCP %1 포트 %2에서 수신할 수 없습니다: 1024 미만 포트에는 root 권한이나 해당 권한(capability)이 필요합니다. 다음 명령으로 부여하세요: sudo setcap cap_net_bind_service=ep %3</translation>
    </message>
    <message>
        <source>cannot listen on tcp %1 port %2: another program serves this port. Stop it, or choose another port in the setting %3</source>
        <translation>TCP %1 포트 %2에서 수신할 수 없습니다: 다른 프로그램이 이 포트를 사용 중입니다. 그 프로그램을 중지하거나 %3 설정에서 다른 포트를 선택하세요</translation>
    </message>
    <message>
        <source>cannot listen on tcp %1 port %2: no interface of this computer has that address. Check --listen</source>
        <translation>TCP %1 포트 %2에서 수신할 수 없습니다: 이 컴퓨터의 어떤 인터페이스에도 그 주소가 없습니다. --listen을 확인하세요</translation>
    </message>
</context>
<context>
    <name>Metadata</name>
    <message>
        <source>credentials refused</source>
        <translation>거부된 자격 증명</translation>
    </message>
    <message>
        <source>machines enlisted</source>
        <translation>등록된 머신</translation>
    </message>
    <message>
        <source>commissioning results taken</source>
        <translation>받은 커미션 결과</translation>
    </message>
    <message>
        <source>enlistments refused (enlist_per_minute, enlist_max_new_machines)</source>
        <translation>거부된 등록(enlist_per_minute, enlist_max_new_machines)</translation>
    </message>
</context>
<context>
    <name>NodeAction</name>
    <message>
        <source>Commission...</source>
        <translation>커미션...</translation>
    </message>
    <message>
        <source>Acquire...</source>
        <translation>할당...</translation>
    </message>
    <message>
        <source>Deploy...</source>
        <translation>배포...</translation>
    </message>
    <message>
        <source>Power on...</source>
        <translation>전원 켜기...</translation>
    </message>
    <message>
        <source>Power off...</source>
        <translation>전원 끄기...</translation>
    </message>
    <message>
        <source>Release...</source>
        <translation>릴리스...</translation>
    </message>
    <message>
        <source>Abort...</source>
        <translation>중단...</translation>
    </message>
    <message>
        <source>Test...</source>
        <translation>테스트...</translation>
    </message>
    <message>
        <source>Enter rescue mode...</source>
        <translation>복구 모드 진입...</translation>
    </message>
    <message>
        <source>Exit rescue mode...</source>
        <translation>복구 모드 종료...</translation>
    </message>
    <message>
        <source>Mark broken...</source>
        <translation>고장으로 표시...</translation>
    </message>
    <message>
        <source>Mark fixed...</source>
        <translation>수리됨으로 표시...</translation>
    </message>
    <message>
        <source>Override failed testing...</source>
        <translation>테스트 실패 무시...</translation>
    </message>
    <message>
        <source>Delete...</source>
        <translation>삭제...</translation>
    </message>
</context>
<context>
    <name>NodeReports</name>
    <message>
        <source>Commissioning ends with the inventory (POST metaldesk/v1/commission), not a status</source>
        <translation>커미션은 상태 보고가 아니라 인벤토리(POST metaldesk/v1/commission)로 끝납니다</translation>
    </message>
    <message>
        <source>The machine is %1, not %2: there is nothing to deploy</source>
        <translation>머신이 %2 상태가 아니라 %1 상태입니다: 배포할 것이 없습니다</translation>
    </message>
    <message numerus="yes">
        <source>%1 has enlisted %n times within a minute, the most enlist_per_minute allows: try again in %2 s</source>
        <translation>
            <numerusform>%1에서 1분 안에 %n번 등록했습니다. enlist_per_minute가 허용하는 최대입니다: %2초 뒤에 다시 시도하세요</numerusform>
        </translation>
    </message>
    <message>
        <source>the machine is %1, not %2</source>
        <translation>머신이 %2이(가) 아니라 %1입니다</translation>
    </message>
</context>
<context>
    <name>NodeSettings</name>
    <message>
        <source>the image URL &apos;%1&apos; contains spaces or control characters</source>
        <translation>이미지 URL &apos;%1&apos;에 공백이나 제어 문자가 있습니다</translation>
    </message>
    <message>
        <source>the image URL &apos;%1&apos; is not a valid http:// or https:// URL</source>
        <translation>이미지 URL &apos;%1&apos;은(는) 올바른 http:// 또는 https:// URL이 아닙니다</translation>
    </message>
    <message>
        <source>the image URL &apos;%1&apos; should start with http:// or https://, or be a path on the boot HTTP server such as images/debian-12.img.xz</source>
        <translation>이미지 URL &apos;%1&apos;은(는) http:// 또는 https://로 시작하거나, images/debian-12.img.xz 같은 부팅 HTTP 서버의 경로여야 합니다</translation>
    </message>
    <message>
        <source>the image path &apos;%1&apos; must not contain &apos;..&apos;</source>
        <translation>이미지 경로 &apos;%1&apos;에 &apos;..&apos;이 들어갈 수 없습니다</translation>
    </message>
    <message>
        <source>the user-data is larger than %1 KiB</source>
        <translation>user-data가 %1 KiB보다 큽니다</translation>
    </message>
    <message>
        <source>the static address &apos;%1&apos; should be an IPv4 address with its prefix length, like 10.99.0.50/24</source>
        <translation>고정 주소 &apos;%1&apos;은(는) 10.99.0.50/24처럼 접두사 길이가 붙은 IPv4 주소여야 합니다</translation>
    </message>
    <message>
        <source>the gateway &apos;%1&apos; is not an IPv4 address</source>
        <translation>게이트웨이 &apos;%1&apos;은(는) IPv4 주소가 아닙니다</translation>
    </message>
    <message>
        <source>the gateway %1 is not in the network of %2</source>
        <translation>게이트웨이 %1이(가) %2의 네트워크 안에 있지 않습니다</translation>
    </message>
    <message>
        <source>the DNS server &apos;%1&apos; is not an IP address</source>
        <translation>DNS 서버 &apos;%1&apos;은(는) IP 주소가 아닙니다</translation>
    </message>
    <message>
        <source>the erase mode &apos;%1&apos; should be quick or secure</source>
        <translation>지우기 방식 &apos;%1&apos;은(는) quick 또는 secure여야 합니다</translation>
    </message>
    <message>
        <source>the static address %1 is inside DHCP&apos;s dynamic range %2, where DHCP would give it to another machine too: choose one outside it</source>
        <translation>고정 주소 %1이(가) DHCP 동적 범위 %2 안에 있어 DHCP가 다른 머신에도 줄 수 있습니다. 범위 밖의 주소를 고르세요</translation>
    </message>
    <message>
        <source>the static address %1 is already held by %2</source>
        <translation>고정 주소 %1은(는) 이미 %2이(가) 쓰고 있습니다</translation>
    </message>
</context>
<context>
    <name>NodeStatus</name>
    <message>
        <source>New</source>
        <translation>신규</translation>
    </message>
    <message>
        <source>Commissioning</source>
        <translation>커미션 중</translation>
    </message>
    <message>
        <source>Failed commissioning</source>
        <translation>커미션 실패</translation>
    </message>
    <message>
        <source>Missing</source>
        <translation>찾을 수 없음</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>준비됨</translation>
    </message>
    <message>
        <source>Reserved</source>
        <translation>예약됨</translation>
    </message>
    <message>
        <source>Deployed</source>
        <translation>배포됨</translation>
    </message>
    <message>
        <source>Retired</source>
        <translation>퇴역</translation>
    </message>
    <message>
        <source>Broken</source>
        <translation>고장</translation>
    </message>
    <message>
        <source>Deploying</source>
        <translation>배포 중</translation>
    </message>
    <message>
        <source>Allocated</source>
        <translation>할당됨</translation>
    </message>
    <message>
        <source>Failed deployment</source>
        <translation>배포 실패</translation>
    </message>
    <message>
        <source>Releasing</source>
        <translation>릴리스 중</translation>
    </message>
    <message>
        <source>Releasing failed</source>
        <translation>릴리스 실패</translation>
    </message>
    <message>
        <source>Disk erasing</source>
        <translation>디스크 삭제 중</translation>
    </message>
    <message>
        <source>Failed disk erasing</source>
        <translation>디스크 삭제 실패</translation>
    </message>
    <message>
        <source>Rescue mode</source>
        <translation>복구 모드</translation>
    </message>
    <message>
        <source>Entering rescue mode</source>
        <translation>복구 모드 진입 중</translation>
    </message>
    <message>
        <source>Failed to enter rescue mode</source>
        <translation>복구 모드 진입 실패</translation>
    </message>
    <message>
        <source>Exiting rescue mode</source>
        <translation>복구 모드 종료 중</translation>
    </message>
    <message>
        <source>Failed to exit rescue mode</source>
        <translation>복구 모드 종료 실패</translation>
    </message>
    <message>
        <source>Testing</source>
        <translation>테스트 중</translation>
    </message>
    <message>
        <source>Failed testing</source>
        <translation>테스트 실패</translation>
    </message>
</context>
<context>
    <name>Permissions</name>
    <message>
        <source>only administrators can add machines</source>
        <translation>관리자만 머신을 추가할 수 있습니다</translation>
    </message>
    <message>
        <source>only administrators can change the power settings</source>
        <translation>관리자만 전원 설정을 바꿀 수 있습니다</translation>
    </message>
    <message>
        <source>only administrators can add users</source>
        <translation>관리자만 사용자를 추가할 수 있습니다</translation>
    </message>
    <message>
        <source>only administrators can see other users</source>
        <translation>관리자만 다른 사용자를 볼 수 있습니다</translation>
    </message>
    <message>
        <source>only administrators can change MetalDesk&apos;s settings</source>
        <translation>관리자만 MetalDesk 설정을 바꿀 수 있습니다</translation>
    </message>
    <message>
        <source>this is not allowed</source>
        <translation>허용되지 않는 작업입니다</translation>
    </message>
    <message>
        <source>only administrators can change zones, resource pools and tags</source>
        <translation>관리자만 영역, 리소스 풀, 태그를 바꿀 수 있습니다</translation>
    </message>
    <message>
        <source>only administrators can add or remove images</source>
        <translation>관리자만 이미지를 추가하거나 삭제할 수 있습니다</translation>
    </message>
</context>
<context>
    <name>Power</name>
    <message>
        <source>Manual</source>
        <translation>수동</translation>
    </message>
    <message>
        <source>%1 power needs: %2</source>
        <translation>%1 전원에 필요한 값: %2</translation>
    </message>
    <message>
        <source>IPMI</source>
        <translation>IPMI</translation>
    </message>
    <message>
        <source>the BMC answered something other than a power state: %1</source>
        <translation>BMC가 전원 상태가 아닌 응답을 보냈습니다: %1</translation>
    </message>
    <message>
        <source>the BMC at %1 refused the user name or password (%2)</source>
        <translation>%1의 BMC가 사용자 이름 또는 비밀번호를 거부했습니다 (%2)</translation>
    </message>
    <message>
        <source>the BMC at %1 does not offer the cipher suite asked for; try 3 (%2)</source>
        <translation>%1의 BMC가 요청한 암호 스위트를 지원하지 않습니다. 3을 사용해 보세요 (%2)</translation>
    </message>
    <message>
        <source>the BMC at %1 did not answer (%2)</source>
        <translation>%1의 BMC가 응답하지 않았습니다 (%2)</translation>
    </message>
    <message>
        <source>no output</source>
        <translation>출력 없음</translation>
    </message>
    <message>
        <source>cannot run %1: %2 (install the ipmitool package)</source>
        <translation>%1을(를) 실행할 수 없습니다: %2 (ipmitool 패키지를 설치하세요)</translation>
    </message>
    <message>
        <source>the BMC at %1 did not answer within %2 s</source>
        <translation>%1의 BMC가 %2초 안에 응답하지 않았습니다</translation>
    </message>
    <message>
        <source>unknown libvirt error</source>
        <translation>알 수 없는 libvirt 오류</translation>
    </message>
    <message>
        <source>cannot connect to %1</source>
        <translation>%1에 연결할 수 없습니다</translation>
    </message>
    <message>
        <source>%1 has no VM named &apos;%2&apos;</source>
        <translation>%1에 &apos;%2&apos;(이)라는 VM이 없습니다</translation>
    </message>
    <message>
        <source>cannot find &apos;%1&apos; at %2</source>
        <translation>%2에서 &apos;%1&apos;을(를) 찾을 수 없습니다</translation>
    </message>
    <message>
        <source>cannot read the VM&apos;s state</source>
        <translation>VM 상태를 읽을 수 없습니다</translation>
    </message>
    <message>
        <source>libvirt (virsh)</source>
        <translation>libvirt (virsh)</translation>
    </message>
    <message>
        <source>cannot start the VM</source>
        <translation>VM을 시작할 수 없습니다</translation>
    </message>
    <message>
        <source>cannot stop the VM</source>
        <translation>VM을 중지할 수 없습니다</translation>
    </message>
    <message>
        <source>the machine has no power driver set</source>
        <translation>머신에 전원 드라이버가 설정되어 있지 않습니다</translation>
    </message>
    <message>
        <source>unknown power type &apos;%1&apos;</source>
        <translation>알 수 없는 전원 유형 &apos;%1&apos;</translation>
    </message>
    <message>
        <source>asked to switch %1 but it is still %2 after %3 s</source>
        <translation>%1(으)로 전환을 요청했지만 %3초 후에도 %2 상태입니다</translation>
    </message>
    <message>
        <source>on</source>
        <translation>켜짐</translation>
    </message>
    <message>
        <source>off</source>
        <translation>꺼짐</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>알 수 없음</translation>
    </message>
    <message>
        <source>Wake-on-LAN</source>
        <translation>Wake-on-LAN</translation>
    </message>
    <message>
        <source>Wake-on-LAN can only switch a machine on: switch %1 off by hand, or shut it down from its system</source>
        <translation>Wake-on-LAN은 머신을 켤 수만 있습니다: %1의 전원은 직접 끄거나 운영체제에서 종료하세요</translation>
    </message>
    <message>
        <source>Wake-on-LAN needs the machine&apos;s MAC address (&apos;%1&apos; is not one)</source>
        <translation>Wake-on-LAN에는 머신의 MAC 주소가 필요합니다 (&apos;%1&apos;은(는) MAC 주소가 아닙니다)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an IPv4 broadcast address</source>
        <translation>&apos;%1&apos;은(는) IPv4 브로드캐스트 주소가 아닙니다</translation>
    </message>
    <message>
        <source>the Wake-on-LAN port must be 1-65535</source>
        <translation>Wake-on-LAN 포트는 1-65535여야 합니다</translation>
    </message>
    <message>
        <source>cannot send the Wake-on-LAN packet to %1: %2</source>
        <translation>%1(으)로 Wake-on-LAN 패킷을 보낼 수 없습니다: %2</translation>
    </message>
    <message>
        <source>power settings need a power driver</source>
        <translation>전원 설정에는 전원 드라이버가 필요합니다</translation>
    </message>
    <message>
        <source>there is no power driver &apos;%1&apos;</source>
        <translation>&apos;%1&apos;이라는 전원 드라이버는 없습니다</translation>
    </message>
    <message>
        <source>the power driver %1 has no setting &apos;%2&apos;</source>
        <translation>전원 드라이버 %1에는 &apos;%2&apos; 설정이 없습니다</translation>
    </message>
    <message>
        <source>%1 cannot be &apos;%2&apos; (it takes %3)</source>
        <translation>%1: &apos;%2&apos; 값은 쓸 수 없습니다 (가능한 값: %3)</translation>
    </message>
    <message>
        <source>the libvirt URI %1 would make MetalDesk run a program (the ext transport or a command parameter): use qemu:///system, qemu+ssh://USER@HOST/system or qemu+tcp://HOST/system</source>
        <translation>libvirt URI %1은(는) MetalDesk가 프로그램을 실행하게 합니다(ext 전송 방식 또는 command 매개변수). qemu:///system, qemu+ssh://USER@HOST/system 또는 qemu+tcp://HOST/system을 쓰세요</translation>
    </message>
    <message>
        <source>cannot read the VM&apos;s definition</source>
        <translation>VM 정의를 읽을 수 없습니다</translation>
    </message>
    <message>
        <source>cannot make the VM boot from the network</source>
        <translation>VM이 네트워크에서 부팅하도록 설정할 수 없습니다</translation>
    </message>
    <message>
        <source>VMware vSphere</source>
        <translation>VMware vSphere</translation>
    </message>
    <message>
        <source>cannot open a stream to %1</source>
        <translation>%1에 대한 스트림을 열 수 없습니다</translation>
    </message>
    <message>
        <source>another program (virsh console, virt-manager) is reading the console of %1; MetalDesk reads it again once that one closes</source>
        <translation>다른 프로그램(virsh console, virt-manager)이 %1의 콘솔을 읽고 있습니다. 그 프로그램이 닫히면 MetalDesk가 다시 읽습니다</translation>
    </message>
    <message>
        <source>cannot open the console of %1</source>
        <translation>%1의 콘솔을 열 수 없습니다</translation>
    </message>
    <message>
        <source>the console of %1 closed</source>
        <translation>%1의 콘솔이 닫혔습니다</translation>
    </message>
</context>
<context>
    <name>PowerParameter</name>
    <message>
        <source>BMC address</source>
        <translation>BMC 주소</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>포트</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>사용자 이름</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>비밀번호</translation>
    </message>
    <message>
        <source>Cipher suite</source>
        <translation>암호 스위트</translation>
    </message>
    <message>
        <source>libvirt URI</source>
        <translation>libvirt URI</translation>
    </message>
    <message>
        <source>VM name</source>
        <translation>VM 이름</translation>
    </message>
    <message>
        <source>MAC address to wake</source>
        <translation>깨울 MAC 주소</translation>
    </message>
    <message>
        <source>Broadcast address</source>
        <translation>브로드캐스트 주소</translation>
    </message>
    <message>
        <source>Protocol</source>
        <translation>프로토콜</translation>
    </message>
    <message>
        <source>Privilege</source>
        <translation>권한 수준</translation>
    </message>
    <message>
        <source>vCenter or ESXi host</source>
        <translation>vCenter 또는 ESXi 호스트</translation>
    </message>
    <message>
        <source>VM UUID</source>
        <translation>VM UUID</translation>
    </message>
    <message>
        <source>Certificate fingerprint (SHA-256)</source>
        <translation>인증서 지문 (SHA-256)</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>MetalDesk cannot start</source>
        <translation>MetalDesk를 시작할 수 없습니다</translation>
    </message>
    <message>
        <source>Try &apos;metaldesk --help&apos;.</source>
        <translation>&apos;metaldesk --help&apos;를 실행해 보세요.</translation>
    </message>
    <message>
        <source>invalid PostgreSQL address &apos;%1&apos;: expected postgresql://user:password@host[:port]/database</source>
        <translation>잘못된 PostgreSQL 주소 &apos;%1&apos;: postgresql://사용자:비밀번호@호스트[:포트]/데이터베이스 형식이어야 합니다</translation>
    </message>
    <message>
        <source>unsupported database address &apos;%1&apos;: give an SQLite file path or postgresql://user:password@host/database</source>
        <translation>지원하지 않는 데이터베이스 주소 &apos;%1&apos;: SQLite 파일 경로나 postgresql://사용자:비밀번호@호스트/데이터베이스를 지정하세요</translation>
    </message>
    <message>
        <source>cannot use %1 as the database: it is a directory. Give a file path with --database.</source>
        <translation>%1은(는) 디렉터리이므로 데이터베이스로 쓸 수 없습니다. --database로 파일 경로를 지정하세요.</translation>
    </message>
    <message>
        <source>cannot create the data directory %1 (permission denied, or a file is in the way). Fix its permissions, or choose another place with --database PATH.</source>
        <translation>데이터 디렉터리 %1을(를) 만들 수 없습니다(권한이 없거나 같은 이름의 파일이 있음). 권한을 고치거나 --database 경로로 다른 위치를 선택하세요.</translation>
    </message>
    <message>
        <source>the data directory %1 is not writable (the database keeps its journal there). Fix its permissions, or choose another place with --database PATH.</source>
        <translation>데이터 디렉터리 %1에 쓸 수 없습니다(데이터베이스가 저널을 그곳에 둡니다). 권한을 고치거나 --database 경로로 다른 위치를 선택하세요.</translation>
    </message>
    <message>
        <source>the database file %1 is read-only. Fix its permissions, or choose another file with --database PATH.</source>
        <translation>데이터베이스 파일 %1은(는) 읽기 전용입니다. 권한을 고치거나 --database 경로로 다른 파일을 선택하세요.</translation>
    </message>
    <message>
        <source>the Qt SQL driver %1 is not installed. Run tools/setup (it installs %2).</source>
        <translation>Qt SQL 드라이버 %1이(가) 설치되지 않았습니다. tools/setup을 실행하세요(%2을(를) 설치합니다).</translation>
    </message>
    <message>
        <source>cannot connect to PostgreSQL at %1: %2</source>
        <translation>%1의 PostgreSQL에 연결할 수 없습니다: %2</translation>
    </message>
    <message>
        <source>cannot open the database %1: %2</source>
        <translation>데이터베이스 %1을(를) 열 수 없습니다: %2</translation>
    </message>
    <message>
        <source>%1 is not a MetalDesk database (SQLite says: %2). Move the file aside, or choose another file with --database PATH.</source>
        <translation>%1은(는) MetalDesk 데이터베이스가 아닙니다(SQLite 메시지: %2). 파일을 다른 곳으로 옮기거나 --database 경로로 다른 파일을 선택하세요.</translation>
    </message>
    <message>
        <source>cannot use the database %1: %2</source>
        <translation>데이터베이스 %1을(를) 사용할 수 없습니다: %2</translation>
    </message>
    <message>
        <source>database transaction was not started: %1</source>
        <translation>데이터베이스 트랜잭션을 시작하지 못했습니다: %1</translation>
    </message>
    <message>
        <source>database commit failed: %1</source>
        <translation>데이터베이스 커밋에 실패했습니다: %1</translation>
    </message>
    <message>
        <source>database error: %1 (in: %2)</source>
        <translation>데이터베이스 오류: %1(문장: %2)</translation>
    </message>
    <message>
        <source>database error: no id returned (in: %1)</source>
        <translation>데이터베이스 오류: id가 반환되지 않았습니다(문장: %1)</translation>
    </message>
    <message>
        <source>cannot read the word list %1: %2</source>
        <translation>단어 목록 %1을(를) 읽을 수 없습니다: %2</translation>
    </message>
    <message>
        <source>the word list %1 has an unusable word &apos;%2&apos;</source>
        <translation>단어 목록 %1에 쓸 수 없는 단어 &apos;%2&apos;이(가) 있습니다</translation>
    </message>
    <message>
        <source>the word list %1 is empty</source>
        <translation>단어 목록 %1이(가) 비어 있습니다</translation>
    </message>
    <message>
        <source>no machine with system id %1</source>
        <translation>시스템 ID가 %1인 머신이 없습니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a MAC address (expected six hex pairs, like 52:54:00:12:34:56)</source>
        <translation>&apos;%1&apos;은(는) MAC 주소가 아닙니다(52:54:00:12:34:56처럼 16진수 여섯 쌍이어야 합니다)</translation>
    </message>
    <message>
        <source>unknown power state &apos;%1&apos;</source>
        <translation>알 수 없는 전원 상태 &apos;%1&apos;</translation>
    </message>
    <message>
        <source>%1 cannot be read as a database: %2</source>
        <translation>%1을(를) 데이터베이스로 읽을 수 없습니다: %2</translation>
    </message>
    <message>
        <source>%1 holds another program&apos;s data (tables: %2), not MetalDesk&apos;s. Choose an empty or MetalDesk database with --database.</source>
        <translation>%1에는 MetalDesk가 아닌 다른 프로그램의 데이터가 있습니다(테이블: %2). --database로 빈 데이터베이스나 MetalDesk 데이터베이스를 선택하세요.</translation>
    </message>
    <message>
        <source>cannot lock %1 to update its schema: %2</source>
        <translation>스키마를 갱신하려고 %1을(를) 잠글 수 없습니다: %2</translation>
    </message>
    <message>
        <source>cannot read the schema version of %1: %2</source>
        <translation>%1의 스키마 버전을 읽을 수 없습니다: %2</translation>
    </message>
    <message>
        <source>%1 was written by a newer MetalDesk (schema version %2; this program knows up to %3). Upgrade MetalDesk, or choose another database with --database.</source>
        <translation>%1은(는) 더 새로운 MetalDesk가 쓴 데이터베이스입니다(스키마 버전 %2, 이 프로그램은 %3까지 압니다). MetalDesk를 업그레이드하거나 --database로 다른 데이터베이스를 선택하세요.</translation>
    </message>
    <message>
        <source>schema migration %1 failed on %2: %3</source>
        <translation>스키마 마이그레이션 %1이(가) %2에서 실패했습니다: %3</translation>
    </message>
    <message>
        <source>schema migration %1 could not be committed: %2</source>
        <translation>스키마 마이그레이션 %1을(를) 커밋할 수 없습니다: %2</translation>
    </message>
    <message>
        <source>the user name is empty</source>
        <translation>사용자 이름이 비어 있습니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a valid user name: use letters, digits and . _ @ + - (up to 150)</source>
        <translation>&apos;%1&apos;은(는) 올바른 사용자 이름이 아닙니다: 문자, 숫자와 . _ @ + - 만 쓸 수 있습니다(최대 150자)</translation>
    </message>
    <message>
        <source>the password is empty</source>
        <translation>비밀번호가 비어 있습니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an e-mail address</source>
        <translation>&apos;%1&apos;은(는) 이메일 주소가 아닙니다</translation>
    </message>
    <message>
        <source>a user named %1 already exists</source>
        <translation>%1(이)라는 사용자가 이미 있습니다</translation>
    </message>
    <message>
        <source>no user named %1</source>
        <translation>%1(이)라는 사용자가 없습니다</translation>
    </message>
    <message>
        <source>wrong user name or password</source>
        <translation>사용자 이름 또는 비밀번호가 틀렸습니다</translation>
    </message>
    <message>
        <source>no API token %1</source>
        <translation>API 토큰 %1이(가) 없습니다</translation>
    </message>
    <message>
        <source>invalid API key</source>
        <translation>잘못된 API 키</translation>
    </message>
    <message>
        <source>cannot use %1: %2</source>
        <translation>%1을(를) 사용할 수 없습니다: %2</translation>
    </message>
    <message>
        <source>database error: %1 (listing the machines)</source>
        <translation>데이터베이스 오류: %1 (머신 목록을 읽는 중)</translation>
    </message>
</context>
<context>
    <name>Region</name>
    <message>
        <source>the listen address &apos;%1&apos; is not an IP address</source>
        <translation>수신 주소 &apos;%1&apos;은(는) IP 주소가 아닙니다</translation>
    </message>
    <message>
        <source>(MAAS&apos;s region controller uses this port too.)</source>
        <translation>(MAAS의 region 컨트롤러도 이 포트를 씁니다.)</translation>
    </message>
    <message>
        <source>MAAS API and metadata service on tcp %1 (/MAAS/api/2.0/, /MAAS/metadata/)</source>
        <translation>tcp %1의 MAAS API와 메타데이터 서비스(/MAAS/api/2.0/, /MAAS/metadata/)</translation>
    </message>
    <message>
        <source>requests for another host name</source>
        <translation>다른 호스트 이름으로 온 요청</translation>
    </message>
    <message>
        <source>MetalDesk answers here only under its IP addresses and known names. To reach it under this name, add it to the setting api_host_names (metaldesk set-config api_host_names NAME,...).</source>
        <translation>MetalDesk는 여기서 자신의 IP 주소와 알려진 이름으로 온 요청에만 응답합니다. 이 이름으로 접속하려면 설정 api_host_names에 추가하세요 (metaldesk set-config api_host_names 이름,...).</translation>
    </message>
</context>
<context>
    <name>SecretKey</name>
    <message>
        <source>the desktop keyring did not keep the key</source>
        <translation>데스크톱 키링이 키를 저장하지 않았습니다</translation>
    </message>
    <message>
        <source>the key that opens this database&apos;s passwords is in %1, and this process has no desktop session (no D-Bus session bus). Start MetalDesk in your desktop session, or run &apos;metaldesk secret-key file&apos; there once to keep the key in %2 (for a headless host).</source>
        <translation>이 데이터베이스의 비밀번호를 여는 키는 %1에 있는데, 이 프로세스에는 데스크톱 세션이 없습니다(D-Bus 세션 버스 없음). 데스크톱 세션에서 MetalDesk를 시작하거나, 그곳에서 &apos;metaldesk secret-key file&apos;을 한 번 실행해 키를 %2에 두세요(헤드리스 호스트용).</translation>
    </message>
    <message>
        <source>%1 exists and holds another key: move it away first</source>
        <translation>%1이(가) 이미 있고 다른 키를 담고 있습니다: 먼저 다른 곳으로 옮기세요</translation>
    </message>
    <message>
        <source>this process has no desktop session (no D-Bus session bus), so no keyring: run &apos;metaldesk secret-key keyring&apos; in your desktop session</source>
        <translation>이 프로세스에는 데스크톱 세션이 없어(D-Bus 세션 버스 없음) 키링도 없습니다: 데스크톱 세션에서 &apos;metaldesk secret-key keyring&apos;을 실행하세요</translation>
    </message>
    <message>
        <source>the key file %1</source>
        <translation>키 파일 %1</translation>
    </message>
    <message>
        <source>the desktop keyring&apos;s MetalDesk entry &apos;%1&apos;</source>
        <translation>데스크톱 키링의 MetalDesk 항목 &apos;%1&apos;</translation>
    </message>
    <message>
        <source>the key that opens this database&apos;s passwords is in %1, which did not give it (%2). Unlock the keyring (or start MetalDesk in the session that moved the key there) and start again. Only if the key is lost for good: remove %3 to start with a new key; stored BMC and vSphere passwords must then be entered again.</source>
        <translation>이 데이터베이스의 비밀번호를 여는 키는 %1에 있는데, 키링이 키를 주지 않았습니다 (%2). 키링의 잠금을 풀고(또는 키를 그곳으로 옮긴 세션에서 MetalDesk를 시작하고) 다시 시작하세요. 키를 완전히 잃어버린 경우에만 %3을(를) 지우고 새 키로 시작하세요. 저장된 BMC와 vSphere 비밀번호는 그 뒤 다시 입력해야 합니다.</translation>
    </message>
    <message>
        <source>it has no such entry, or it is locked</source>
        <translation>그런 항목이 없거나 잠겨 있습니다</translation>
    </message>
    <message>
        <source>cannot lock %1 (it orders MetalDesks reading the secret key): %2</source>
        <translation>%1을(를) 잠글 수 없습니다 (비밀 키를 읽는 MetalDesk들의 순서를 정합니다): %2</translation>
    </message>
    <message>
        <source>%1 should name the desktop keyring&apos;s entry that holds the secret key, and is damaged or unreadable. Find the entry with &apos;secret-tool search --all server MetalDesk&apos; in your desktop session and write its id back as the last word of the file (&apos;%2&apos; and the id); remove the file only if the key is lost for good (stored BMC and vSphere passwords must then be entered again).</source>
        <translation>%1은(는) 비밀 키를 담은 데스크톱 키링 항목을 가리켜야 하는데, 손상되었거나 읽을 수 없습니다. 데스크톱 세션에서 &apos;secret-tool search --all server MetalDesk&apos;로 항목을 찾아 그 id를 파일의 마지막 단어로 다시 쓰세요 (&apos;%2&apos;와 id). 키를 완전히 잃어버린 경우에만 파일을 지우세요 (저장된 BMC와 vSphere 비밀번호는 그 뒤 다시 입력해야 합니다).</translation>
    </message>
    <message>
        <source>the key file %1, copied into %2 (the file goes at the next start that finds it there)</source>
        <translation>키 파일 %1, %2에 복사됨 (다음 시작 때 그곳에서 찾으면 파일은 지워집니다)</translation>
    </message>
</context>
<context>
    <name>Secrets</name>
    <message>
        <source>cannot create the secret key file %1: %2</source>
        <translation>비밀 키 파일 %1을(를) 만들 수 없습니다: %2</translation>
    </message>
    <message>
        <source>cannot write the secret key file %1</source>
        <translation>비밀 키 파일 %1을(를) 쓸 수 없습니다</translation>
    </message>
    <message>
        <source>libsodium could not start</source>
        <translation>libsodium을 시작할 수 없습니다</translation>
    </message>
    <message>
        <source>cannot read the secret key file %1: %2</source>
        <translation>비밀 키 파일 %1을(를) 읽을 수 없습니다: %2</translation>
    </message>
    <message>
        <source>the secret key file %1 is not a MetalDesk key (it must hold exactly %2 bytes)</source>
        <translation>비밀 키 파일 %1은(는) MetalDesk 키가 아닙니다 (정확히 %2바이트여야 합니다)</translation>
    </message>
    <message>
        <source>a stored secret is cut short</source>
        <translation>저장된 비밀 값이 잘려 있습니다</translation>
    </message>
    <message>
        <source>the secret key file %1 exists already</source>
        <translation>비밀 키 파일 %1이(가) 이미 있습니다</translation>
    </message>
    <message>
        <source>the key file %1</source>
        <translation>키 파일 %1</translation>
    </message>
    <message>
        <source>%1 is not a MetalDesk key (it must hold exactly %2 bytes)</source>
        <translation>%1은(는) MetalDesk 키가 아닙니다 (정확히 %2바이트여야 합니다)</translation>
    </message>
    <message>
        <source>a stored secret does not open with %1 (another key, or the database was changed)</source>
        <translation>저장된 비밀 값을 %1(으)로 열 수 없습니다 (다른 키이거나 데이터베이스가 바뀌었습니다)</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>the setting %1 should be a whole number, not &apos;%2&apos;</source>
        <translation>설정 %1은(는) &apos;%2&apos;이(가) 아니라 정수여야 합니다</translation>
    </message>
    <message>
        <source>minutes a machine may spend commissioning, deploying, erasing or testing</source>
        <translation>머신이 커미션, 배포, 지우기, 테스트에 쓸 수 있는 시간(분)</translation>
    </message>
    <message>
        <source>minutes a machine may spend releasing or leaving rescue mode</source>
        <translation>머신이 릴리스나 복구 모드 종료에 쓸 수 있는 시간(분)</translation>
    </message>
    <message>
        <source>the image deployed when a machine has none of its own (URL or path)</source>
        <translation>머신에 지정된 이미지가 없을 때 배포할 이미지(URL 또는 경로)</translation>
    </message>
    <message>
        <source>how Release erases disks when asked to</source>
        <translation>릴리스할 때 디스크를 지우는 방식</translation>
    </message>
    <message>
        <source>the boot network&apos;s interface; empty: no DHCP</source>
        <translation>부트 네트워크의 인터페이스. 비워 두면 DHCP를 쓰지 않습니다</translation>
    </message>
    <message>
        <source>managed (MetalDesk gives the addresses) or proxy (another server does)</source>
        <translation>managed(MetalDesk가 주소를 줌) 또는 proxy(다른 서버가 줌)</translation>
    </message>
    <message>
        <source>the dynamic range, for enlisting and commissioning</source>
        <translation>동적 범위: 등록과 커미션에 씁니다</translation>
    </message>
    <message>
        <source>the reserved range, static addresses of deployed machines</source>
        <translation>예약 범위: 배포된 머신의 고정 주소</translation>
    </message>
    <message>
        <source>the boot network&apos;s gateway</source>
        <translation>부트 네트워크의 게이트웨이</translation>
    </message>
    <message>
        <source>DNS servers handed out, separated by commas</source>
        <translation>나눠 줄 DNS 서버(쉼표로 구분)</translation>
    </message>
    <message>
        <source>the DNS domain handed out</source>
        <translation>나눠 줄 DNS 도메인</translation>
    </message>
    <message>
        <source>seconds a dynamic lease lasts</source>
        <translation>동적 임대가 유지되는 시간(초)</translation>
    </message>
    <message>
        <source>run managed DHCP although another DHCP server answers on the boot network</source>
        <translation>부트 네트워크에 다른 DHCP 서버가 응답해도 managed DHCP를 실행</translation>
    </message>
    <message>
        <source>the DHCP server&apos;s UDP port; empty: 67 (and 4011 in proxy mode)</source>
        <translation>DHCP 서버의 UDP 포트. 비워 두면 67(proxy 모드에서는 4011도)</translation>
    </message>
    <message>
        <source>the TFTP port</source>
        <translation>TFTP 포트</translation>
    </message>
    <message>
        <source>resends of a TFTP window before a transfer is dropped</source>
        <translation>전송을 포기하기 전에 TFTP 윈도를 다시 보내는 횟수</translation>
    </message>
    <message>
        <source>threads serving TFTP transfers</source>
        <translation>TFTP 전송을 처리하는 스레드 수</translation>
    </message>
    <message>
        <source>the HTTP boot server&apos;s port</source>
        <translation>HTTP 부트 서버의 포트</translation>
    </message>
    <message>
        <source>seconds the HTTP boot server waits for a request or for progress</source>
        <translation>HTTP 부트 서버가 요청이나 진행을 기다리는 시간(초)</translation>
    </message>
    <message>
        <source>connections the HTTP boot server holds at once</source>
        <translation>HTTP 부트 서버가 동시에 유지하는 연결 수</translation>
    </message>
    <message>
        <source>threads serving HTTP boot connections</source>
        <translation>HTTP 부트 연결을 처리하는 스레드 수</translation>
    </message>
    <message>
        <source>the folder boot files are served from</source>
        <translation>부트 파일을 제공하는 폴더</translation>
    </message>
    <message>
        <source>where the iPXE bootloaders are (/usr/lib/ipxe)</source>
        <translation>iPXE 부트로더가 있는 곳(/usr/lib/ipxe)</translation>
    </message>
    <message>
        <source>where the built-in boot environment is</source>
        <translation>내장 부팅 환경이 있는 곳</translation>
    </message>
    <message>
        <source>the metadata service&apos;s port</source>
        <translation>메타데이터 서비스의 포트</translation>
    </message>
    <message>
        <source>seconds the metadata service waits for a request or for its answer to be taken</source>
        <translation>메타데이터 서비스가 요청을, 또는 응답이 받아 가지기를 기다리는 시간(초)</translation>
    </message>
    <message>
        <source>connections the metadata service holds at once</source>
        <translation>메타데이터 서비스가 동시에 유지하는 연결 수</translation>
    </message>
    <message>
        <source>there is no setting &apos;%1&apos;; the settings are: %2</source>
        <translation>&apos;%1&apos;이라는 설정은 없습니다. 설정 목록: %2</translation>
    </message>
    <message>
        <source>the setting %1 takes one line</source>
        <translation>%1 설정은 한 줄만 받습니다</translation>
    </message>
    <message>
        <source>the setting %1 is &apos;%2&apos;: it should be a number from %3 to %4</source>
        <translation>설정 %1의 값이 &apos;%2&apos;입니다: %3에서 %4 사이의 숫자여야 합니다</translation>
    </message>
    <message>
        <source>the setting %1 is &apos;%2&apos;: it should be true or false</source>
        <translation>%1 설정이 &apos;%2&apos;입니다: true 또는 false여야 합니다</translation>
    </message>
    <message>
        <source>the setting %1 is &apos;%2&apos;: it should be one of %3</source>
        <translation>%1 설정이 &apos;%2&apos;입니다: %3 중 하나여야 합니다</translation>
    </message>
    <message>
        <source>the setting %1 is &apos;%2&apos;: it should be an absolute path</source>
        <translation>%1 설정이 &apos;%2&apos;입니다: 절대 경로여야 합니다</translation>
    </message>
    <message>
        <source>the setting %1 is &apos;%2&apos;: it should be a network interface&apos;s name, such as eth1</source>
        <translation>%1 설정이 &apos;%2&apos;입니다: eth1 같은 네트워크 인터페이스 이름이어야 합니다</translation>
    </message>
    <message>
        <source>the setting %1 is &apos;%2&apos;: it should be an IPv4 address</source>
        <translation>%1 설정이 &apos;%2&apos;입니다: IPv4 주소여야 합니다</translation>
    </message>
    <message>
        <source>the setting %1 is &apos;%2&apos;: &apos;%3&apos; is not an IPv4 address</source>
        <translation>%1 설정이 &apos;%2&apos;입니다: &apos;%3&apos;은(는) IPv4 주소가 아닙니다</translation>
    </message>
    <message>
        <source>the setting %1 is &apos;%2&apos;: it should look like 10.99.0.100-10.99.0.199</source>
        <translation>%1 설정이 &apos;%2&apos;입니다: 10.99.0.100-10.99.0.199 같은 형식이어야 합니다</translation>
    </message>
    <message>
        <source>the setting %1 is &apos;%2&apos;: the range ends before it starts</source>
        <translation>%1 설정이 &apos;%2&apos;입니다: 범위의 끝이 시작보다 앞섭니다</translation>
    </message>
    <message>
        <source>the catalogue image deployed when none is chosen (os/release, such as debian/bookworm)</source>
        <translation>선택하지 않았을 때 배포하는 카탈로그 이미지(os/release, 예: debian/bookworm)</translation>
    </message>
    <message>
        <source>Release erases the disks unless told not to (the window&apos;s choice, the API&apos;s default)</source>
        <translation>릴리스할 때 따로 말하지 않으면 디스크를 지웁니다 (창의 기본 선택, API의 기본값)</translation>
    </message>
    <message>
        <source>the slowest average rate, in KiB/s, at which a client must take an HTTP boot file</source>
        <translation>클라이언트가 HTTP 부팅 파일을 받아야 하는 최저 평균 속도(KiB/s)</translation>
    </message>
    <message>
        <source>seconds between two checks of every machine&apos;s power (a VM switched off at its host shows Off)</source>
        <translation>모든 머신의 전원을 확인하는 간격(초) (호스트에서 끈 VM이 꺼짐으로 표시됨)</translation>
    </message>
    <message>
        <source>the HTTP proxy image imports go through (http://host:port); empty: none</source>
        <translation>이미지 가져오기에 쓰는 HTTP 프록시 (http://host:port). 비어 있으면 사용하지 않음</translation>
    </message>
    <message>
        <source>New machines (waiting to be commissioned) beyond which booting machines may not enlist themselves; 0: no enlistment</source>
        <translation>이 수를 넘는 새 머신(커미션 대기)이 있으면 부팅하는 머신이 스스로 등록할 수 없습니다. 0: 등록 안 함</translation>
    </message>
    <message>
        <source>enlistments one address may make per minute</source>
        <translation>한 주소가 1분에 할 수 있는 등록 수</translation>
    </message>
    <message>
        <source>host names (comma-separated) the MAAS API and metadata service answer to, besides this computer&apos;s name and IP addresses; a request for another name is refused, so that a web page cannot reach them by DNS rebinding</source>
        <translation>이 컴퓨터의 이름과 IP 주소 외에 MAAS API와 메타데이터 서비스가 응답할 호스트 이름(쉼표로 구분); 다른 이름으로 온 요청은 거부되어 웹 페이지가 DNS 리바인딩으로 접근할 수 없습니다</translation>
    </message>
</context>
<context>
    <name>Simplestreams</name>
    <message>
        <source>the %1 is not JSON (%2 at byte %3)</source>
        <translation>%1이(가) JSON이 아닙니다 (%3바이트 위치에서 %2)</translation>
    </message>
    <message>
        <source>the %1 is not a JSON object</source>
        <translation>%1이(가) JSON 개체가 아닙니다</translation>
    </message>
    <message>
        <source>item %1 is not an object</source>
        <translation>항목 %1이(가) 개체가 아닙니다</translation>
    </message>
    <message>
        <source>item %1 has no ftype</source>
        <translation>항목 %1에 ftype이 없습니다</translation>
    </message>
    <message>
        <source>item %1&apos;s path &apos;%2&apos; leaves the mirror</source>
        <translation>항목 %1의 경로 &apos;%2&apos;이(가) 미러 밖을 가리킵니다</translation>
    </message>
    <message>
        <source>item %1 has no SHA-256</source>
        <translation>항목 %1에 SHA-256이 없습니다</translation>
    </message>
    <message>
        <source>item %1 has no usable size</source>
        <translation>항목 %1에 쓸 수 있는 크기가 없습니다</translation>
    </message>
    <message>
        <source>mirror&apos;s index</source>
        <translation>미러 인덱스</translation>
    </message>
    <message>
        <source>the mirror&apos;s index is not a simplestreams index (format %1)</source>
        <translation>미러 인덱스가 simplestreams 인덱스가 아닙니다 (형식 %1)</translation>
    </message>
    <message>
        <source>products file</source>
        <translation>제품 파일</translation>
    </message>
    <message>
        <source>the products file is not in simplestreams&apos; products format (format %1)</source>
        <translation>제품 파일이 simplestreams 제품 형식이 아닙니다 (형식 %1)</translation>
    </message>
    <message>
        <source>its os, release or architecture is not a plain name</source>
        <translation>OS, 릴리스 또는 아키텍처가 단순한 이름이 아닙니다</translation>
    </message>
    <message>
        <source>no version with usable files</source>
        <translation>쓸 수 있는 파일이 있는 버전이 없습니다</translation>
    </message>
</context>
<context>
    <name>Tftp</name>
    <message>
        <source>the listen address &apos;%1&apos; is not an IPv4 address</source>
        <translation>수신 주소 &apos;%1&apos;은(는) IPv4 주소가 아닙니다</translation>
    </message>
    <message>
        <source>read-only TFTP on udp port %1 of %2, files from %3</source>
        <translation>%2의 UDP 포트 %1에서 읽기 전용 TFTP, 파일 위치 %3</translation>
    </message>
    <message>
        <source>cannot listen on udp %1:%2: %3</source>
        <translation>UDP %1:%2에서 수신할 수 없습니다: %3</translation>
    </message>
    <message>
        <source>too many transfers at once, try again</source>
        <translation>동시 전송이 너무 많습니다. 다시 시도하세요</translation>
    </message>
    <message>
        <source>cannot read %1: %2</source>
        <translation>%1을(를) 읽을 수 없습니다: %2</translation>
    </message>
    <message>
        <source>no socket for the transfer: %1</source>
        <translation>전송용 소켓을 열 수 없습니다: %1</translation>
    </message>
    <message>
        <source>cannot watch the TFTP sockets: %1</source>
        <translation>TFTP 소켓을 감시할 수 없습니다: %1</translation>
    </message>
    <message>
        <source>the client gave up (error %1: %2)</source>
        <translation>클라이언트가 전송을 포기했습니다(오류 %1: %2)</translation>
    </message>
    <message>
        <source>no answer after %1 retransmissions</source>
        <translation>%1번 재전송했지만 응답이 없습니다</translation>
    </message>
    <message>
        <source>requests</source>
        <translation>요청</translation>
    </message>
    <message>
        <source>transfers completed</source>
        <translation>완료된 전송</translation>
    </message>
    <message>
        <source>transfers failed</source>
        <translation>실패한 전송</translation>
    </message>
    <message>
        <source>requests refused</source>
        <translation>거부된 요청</translation>
    </message>
    <message>
        <source>bytes sent</source>
        <translation>보낸 바이트</translation>
    </message>
    <message>
        <source>dropped (malformed)</source>
        <translation>폐기(잘못된 형식)</translation>
    </message>
    <message>
        <source>dropped: %1</source>
        <translation>폐기: %1</translation>
    </message>
    <message>
        <source>too many transfers from %1 at once, try again</source>
        <translation>%1에서 동시에 너무 많은 전송을 요청했습니다. 다시 시도하세요</translation>
    </message>
    <message>
        <source>no progress for %1 s</source>
        <translation>%1초 동안 진행 없음</translation>
    </message>
    <message>
        <source>cannot listen on udp %1:%2: %3. Ports below 1024 need root or the capability: sudo setcap cap_net_bind_service=ep %4</source>
        <translation>UDP %1:%2에서 수신할 수 없습니다: %3. 1024 미만 포트는 root 권한이나 다음 권한이 필요합니다: sudo setcap cap_net_bind_service=ep %4</translation>
    </message>
</context>
<context>
    <name>Vsphere</name>
    <message>
        <source>the vSphere host sent a reply too deep or too large to read</source>
        <translation>vSphere 호스트의 응답이 너무 깊거나 커서 읽을 수 없습니다</translation>
    </message>
    <message>
        <source>the vSphere host sent more than one XML document</source>
        <translation>vSphere 호스트가 XML 문서를 두 개 이상 보냈습니다</translation>
    </message>
    <message>
        <source>the vSphere host sent XML that does not parse (%1, line %2)</source>
        <translation>vSphere 호스트가 보낸 XML을 해석할 수 없습니다 (%1, %2번째 줄)</translation>
    </message>
    <message>
        <source>the vSphere host sent an empty reply</source>
        <translation>vSphere 호스트가 빈 응답을 보냈습니다</translation>
    </message>
    <message>
        <source>the vSphere host sent something that is not a SOAP reply</source>
        <translation>vSphere 호스트가 SOAP 응답이 아닌 것을 보냈습니다</translation>
    </message>
    <message>
        <source>the host answered, but not as vSphere does (its service content lacks the root folder, the property collector or the session manager)</source>
        <translation>호스트가 응답했지만 vSphere의 응답이 아닙니다 (서비스 정보에 루트 폴더, 속성 수집기 또는 세션 관리자가 없습니다)</translation>
    </message>
    <message>
        <source>the vSphere host listed an object without its reference</source>
        <translation>vSphere 호스트가 참조 없는 개체를 나열했습니다</translation>
    </message>
    <message>
        <source>the vSphere host did not say how its task went</source>
        <translation>vSphere 호스트가 작업 결과를 알려 주지 않았습니다</translation>
    </message>
    <message>
        <source>vSphere refused the user name or password (%1)</source>
        <translation>vSphere가 사용자 이름 또는 비밀번호를 거부했습니다 (%1)</translation>
    </message>
    <message>
        <source>this ESXi licence allows discovery only: the host refuses power and configuration calls (%1). Switch its machines by hand, or give the host a licence that includes the vSphere API</source>
        <translation>이 ESXi 라이선스로는 검색만 할 수 있습니다. 호스트가 전원 및 구성 호출을 거부합니다 (%1). 머신의 전원을 직접 켜고 끄거나, vSphere API가 포함된 라이선스를 호스트에 적용하세요</translation>
    </message>
    <message>
        <source>the vSphere user may not do this (%1)</source>
        <translation>vSphere 사용자에게 이 작업 권한이 없습니다 (%1)</translation>
    </message>
    <message>
        <source>the VM&apos;s power state does not allow this (%1)</source>
        <translation>VM의 전원 상태에서는 이 작업을 할 수 없습니다 (%1)</translation>
    </message>
    <message>
        <source>the VM is no longer on the vSphere host (%1)</source>
        <translation>VM이 더 이상 vSphere 호스트에 없습니다 (%1)</translation>
    </message>
    <message>
        <source>vSphere refused the call (%1)</source>
        <translation>vSphere가 호출을 거부했습니다 (%1)</translation>
    </message>
    <message>
        <source>the vSphere host&apos;s address is empty</source>
        <translation>vSphere 호스트 주소가 비어 있습니다</translation>
    </message>
    <message>
        <source>vSphere needs a user name and a password</source>
        <translation>vSphere에는 사용자 이름과 비밀번호가 필요합니다</translation>
    </message>
    <message>
        <source>the host answered, but not as vSphere does (no service content)</source>
        <translation>호스트가 응답했지만 vSphere의 응답이 아닙니다 (서비스 정보 없음)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a host name or address</source>
        <translation>&apos;%1&apos;은(는) 호스트 이름이나 주소가 아닙니다</translation>
    </message>
    <message>
        <source>the certificate of %1 is not signed by an authority this computer trusts. Its SHA-256 fingerprint is %2: compare it with the one the host shows, and confirm it to trust it</source>
        <translation>%1의 인증서는 이 컴퓨터가 신뢰하는 기관이 서명하지 않았습니다. SHA-256 지문은 %2입니다. 호스트에 표시된 지문과 비교한 뒤 확인하면 신뢰합니다</translation>
    </message>
    <message>
        <source>the certificate of %1 has changed: it is now %2, and MetalDesk trusts %3. If the host&apos;s certificate was replaced, confirm the new fingerprint; if not, something else answers in its place</source>
        <translation>%1의 인증서가 바뀌었습니다. 지금은 %2이고, MetalDesk가 신뢰하는 것은 %3입니다. 호스트의 인증서를 교체했다면 새 지문을 확인하세요. 그렇지 않다면 다른 무언가가 호스트 대신 응답하고 있습니다</translation>
    </message>
    <message>
        <source>the reply of %1 is larger than 64 MiB: refused</source>
        <translation>%1의 응답이 64 MiB보다 커서 거부했습니다</translation>
    </message>
    <message>
        <source>%1 sent an empty reply</source>
        <translation>%1이(가) 빈 응답을 보냈습니다</translation>
    </message>
    <message>
        <source>cannot reach the vSphere host at %1: %2</source>
        <translation>%1의 vSphere 호스트에 연결할 수 없습니다: %2</translation>
    </message>
    <message>
        <source>the vSphere host made no view of its VMs</source>
        <translation>vSphere 호스트가 VM 목록 보기를 만들지 않았습니다</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>중지됨</translation>
    </message>
    <message>
        <source>the VM %1 is no longer on the vSphere host</source>
        <translation>VM %1이(가) 더 이상 vSphere 호스트에 없습니다</translation>
    </message>
    <message>
        <source>the vSphere host has no VM named &apos;%1&apos;</source>
        <translation>vSphere 호스트에 이름이 &apos;%1&apos;인 VM이 없습니다</translation>
    </message>
    <message>
        <source>the vSphere host has no VM with UUID %1 (nor one named &apos;%2&apos;)</source>
        <translation>vSphere 호스트에 UUID가 %1인 VM이 없습니다 (이름이 &apos;%2&apos;인 VM도 없습니다)</translation>
    </message>
    <message>
        <source>the vSphere host forgot its task %1</source>
        <translation>vSphere 호스트가 작업 %1을(를) 잃어버렸습니다</translation>
    </message>
    <message>
        <source>the vSphere task %1 did not end within %2 minutes</source>
        <translation>vSphere 작업 %1이(가) %2분 안에 끝나지 않았습니다</translation>
    </message>
    <message>
        <source>the vSphere host started no task for %1</source>
        <translation>vSphere 호스트가 %1 작업을 시작하지 않았습니다</translation>
    </message>
    <message>
        <source>the VM %1 has no network card to boot from</source>
        <translation>VM %1에는 부팅할 네트워크 카드가 없습니다</translation>
    </message>
    <message>
        <source>the vSphere host started no task to change the boot order</source>
        <translation>vSphere 호스트가 부팅 순서를 바꾸는 작업을 시작하지 않았습니다</translation>
    </message>
</context>
<context>
    <name>metaldesk::AccountForm</name>
    <message>
        <source>optional</source>
        <translation>선택 사항</translation>
    </message>
    <message>
        <source>User name:</source>
        <translation>사용자 이름:</translation>
    </message>
    <message>
        <source>Email:</source>
        <translation>이메일:</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>비밀번호:</translation>
    </message>
    <message>
        <source>Repeat the password:</source>
        <translation>비밀번호 확인:</translation>
    </message>
    <message>
        <source>Administrator: commissions machines, manages users and settings</source>
        <translation>관리자: 머신 커미션, 사용자와 설정 관리</translation>
    </message>
    <message>
        <source>choose a password</source>
        <translation>비밀번호를 정하세요</translation>
    </message>
    <message>
        <source>the two passwords differ</source>
        <translation>두 비밀번호가 다릅니다</translation>
    </message>
</context>
<context>
    <name>metaldesk::ActionDialog</name>
    <message>
        <source>%1 and %2 more</source>
        <translation>%1 외 %2대</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>%1 %2.</source>
        <translation>%1 대상: %2.</translation>
    </message>
    <message>
        <source>%1 %2 machines: %3.</source>
        <translation>%1 대상 머신 %2대: %3.</translation>
    </message>
    <message>
        <source>and %1 more</source>
        <translation>외 %1대</translation>
    </message>
    <message>
        <source>Not taken on %1 of the selected machines:</source>
        <translation>선택한 머신 중 %1대에는 실행하지 않습니다:</translation>
    </message>
    <message>
        <source>Keep the machine powered on afterwards, with a shell on its console</source>
        <translation>완료 후에도 머신 전원을 켜 두고 콘솔에 셸을 엽니다</translation>
    </message>
    <message>
        <source>#cloud-config
packages: [htop]</source>
        <translation>#cloud-config
packages: [htop]</translation>
    </message>
    <message>
        <source>Image:</source>
        <translation>이미지:</translation>
    </message>
    <message>
        <source>User-data:</source>
        <translation>사용자 데이터:</translation>
    </message>
    <message>
        <source>Do not erase the disks</source>
        <translation>디스크를 지우지 않음</translation>
    </message>
    <message>
        <source>Quick erase: signatures, the start and the end of each disk</source>
        <translation>빠른 지우기: 각 디스크의 서명, 시작과 끝 부분</translation>
    </message>
    <message>
        <source>Secure erase: discard or zero every disk whole</source>
        <translation>보안 지우기: 모든 디스크 전체를 discard하거나 0으로 채움</translation>
    </message>
    <message>
        <source>Disks:</source>
        <translation>디스크:</translation>
    </message>
    <message>
        <source>Deleting cannot be undone: the machines, their settings and their results are removed.</source>
        <translation>삭제는 되돌릴 수 없습니다. 머신과 그 설정, 결과가 모두 제거됩니다.</translation>
    </message>
    <message>
        <source>%1 %2 machines</source>
        <translation>머신 %2대 %1</translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
    <message>
        <source>Another image: a URL or a path on the boot server</source>
        <translation>다른 이미지: URL 또는 부트 서버의 경로</translation>
    </message>
    <message>
        <source>http://… or images/debian-12.img.xz</source>
        <translation>http://… 또는 images/debian-12.img.xz</translation>
    </message>
    <message>
        <source>The catalogue has no image for these machines: add one with &apos;metaldesk images add&apos;, or give a URL.</source>
        <translation>카탈로그에 이 머신들에 맞는 이미지가 없습니다: &apos;metaldesk images add&apos;로 추가하거나 URL을 주세요.</translation>
    </message>
    <message>
        <source>choose an image from the catalogue, or give the URL or path of another</source>
        <translation>카탈로그에서 이미지를 선택하거나 다른 이미지의 URL 또는 경로를 주세요</translation>
    </message>
    <message>
        <source>%1 — %2, previous version %3</source>
        <translation>%1 — %2, 이전 버전 %3</translation>
    </message>
</context>
<context>
    <name>metaldesk::AddChassisWizard</name>
    <message>
        <source>On</source>
        <translation>켜짐</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>꺼짐</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>알 수 없음</translation>
    </message>
    <message>
        <source>&amp;Test connection</source>
        <translation>연결 테스트(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Commission the new machines (power them on through the host)</source>
        <translation>새 머신 커미션(&amp;C) (호스트를 통해 전원을 켭니다)</translation>
    </message>
    <message>
        <source>Add chassis</source>
        <translation>섀시 추가</translation>
    </message>
    <message>
        <source>Which host?</source>
        <translation>어느 호스트입니까?</translation>
    </message>
    <message>
        <source>MetalDesk lists the host&apos;s VMs and adds them as machines that it powers through the host. Nothing is changed on the host until a machine is powered on.</source>
        <translation>MetalDesk가 호스트의 VM 목록을 가져와, 호스트를 통해 전원을 제어하는 머신으로 추가합니다. 머신의 전원을 켜기 전까지 호스트에서는 아무것도 바뀌지 않습니다.</translation>
    </message>
    <message>
        <source>qemu:///system on this computer; qemu+ssh://USER@HOST/system for another, with SSH key authentication for the user MetalDesk runs as (root&apos;s keys when it runs as root)</source>
        <translation>이 컴퓨터는 qemu:///system, 다른 컴퓨터는 qemu+ssh://USER@HOST/system (MetalDesk를 실행하는 사용자의 SSH 키로 인증, root로 실행하면 root의 키)</translation>
    </message>
    <message>
        <source>the host&apos;s name</source>
        <translation>호스트 이름</translation>
    </message>
    <message>
        <source>T&amp;ype:</source>
        <translation>유형(&amp;Y):</translation>
    </message>
    <message>
        <source>&amp;Address:</source>
        <translation>주소(&amp;A):</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>이름(&amp;N):</translation>
    </message>
    <message>
        <source>Which VMs?</source>
        <translation>어떤 VM입니까?</translation>
    </message>
    <message>
        <source>Checked VMs become machines in New. A VM whose MAC address another machine already has is not added: one machine per MAC.</source>
        <translation>선택한 VM은 새 머신이 됩니다. 다른 머신이 이미 가진 MAC 주소의 VM은 추가하지 않습니다: MAC 하나에 머신 하나입니다.</translation>
    </message>
    <message>
        <source>all VMs</source>
        <translation>모든 VM</translation>
    </message>
    <message>
        <source>VM</source>
        <translation>VM</translation>
    </message>
    <message>
        <source>MAC addresses</source>
        <translation>MAC 주소</translation>
    </message>
    <message>
        <source>Firmware</source>
        <translation>펌웨어</translation>
    </message>
    <message>
        <source>Power</source>
        <translation>전원</translation>
    </message>
    <message>
        <source>What happens</source>
        <translation>처리</translation>
    </message>
    <message>
        <source>Only VMs whose name starts with:</source>
        <translation>이름이 다음으로 시작하는 VM만:</translation>
    </message>
    <message>
        <source>VMs to add or update: %1.</source>
        <translation>추가하거나 갱신할 VM: %1개.</translation>
    </message>
    <message>
        <source>Chassis added</source>
        <translation>섀시를 추가했습니다</translation>
    </message>
    <message>
        <source>Listing the VMs of %1</source>
        <translation>%1의 VM 목록 가져오는 중</translation>
    </message>
    <message>
        <source>Connecting to %1</source>
        <translation>%1에 연결하는 중</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>%1에 연결하는 중…</translation>
    </message>
    <message>
        <source>Connected to %1. VMs found: %2.</source>
        <translation>%1에 연결했습니다. 찾은 VM: %2개.</translation>
    </message>
    <message>
        <source>Cannot list the VMs: %1</source>
        <translation>VM 목록을 가져올 수 없습니다: %1</translation>
    </message>
    <message>
        <source>VMs outside the prefix, not shown: %1.</source>
        <translation>접두사 밖이라 표시하지 않은 VM: %1개.</translation>
    </message>
    <message>
        <source>The chassis %1 was added, but its VMs were not: %2</source>
        <translation>섀시 %1은(는) 추가했지만 VM은 추가하지 못했습니다: %2</translation>
    </message>
    <message>
        <source>Chassis %1 added.</source>
        <translation>섀시 %1을(를) 추가했습니다.</translation>
    </message>
    <message>
        <source>Created in New: %1.</source>
        <translation>새 머신으로 만듦: %1.</translation>
    </message>
    <message>
        <source>Updated: %1.</source>
        <translation>갱신함: %1.</translation>
    </message>
    <message>
        <source>Not added: %1 (%2).</source>
        <translation>추가하지 않음: %1 (%2).</translation>
    </message>
    <message>
        <source>No machine was added. Re-sync the chassis after adding VMs to the host.</source>
        <translation>추가한 머신이 없습니다. 호스트에 VM을 추가한 뒤 섀시를 다시 동기화하세요.</translation>
    </message>
    <message>
        <source>Commissioning has started: the machines are powered on through the host.</source>
        <translation>커미션을 시작했습니다: 호스트를 통해 머신의 전원을 켭니다.</translation>
    </message>
    <message>
        <source>&amp;User:</source>
        <translation>사용자(&amp;U):</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>비밀번호(&amp;P):</translation>
    </message>
    <message>
        <source>vcenter.example.lan or esxi1:443</source>
        <translation>vcenter.example.lan 또는 esxi1:443</translation>
    </message>
    <message>
        <source>The vCenter or ESXi host&apos;s name or address, with :PORT when it is not 443. The user needs to read VMs and to switch them (an ESXi host&apos;s root will do)</source>
        <translation>vCenter 또는 ESXi 호스트의 이름이나 주소이며, 포트가 443이 아니면 :포트를 붙입니다. 사용자는 VM을 읽고 전원을 켜고 끌 수 있어야 합니다 (ESXi 호스트의 root면 됩니다)</translation>
    </message>
    <message>
        <source>This ESXi licence allows discovery only: its VMs are added with manual power (you switch them on and off), and commissioning waits for you.</source>
        <translation>이 ESXi 라이선스로는 검색만 할 수 있습니다. VM은 수동 전원으로 추가되며 (전원은 직접 켜고 끕니다), 커미션은 사용자가 전원을 켤 때까지 기다립니다.</translation>
    </message>
    <message>
        <source>I compared the fingerprint above with the one the host shows: trust this certificate</source>
        <translation>위 지문을 호스트에 표시된 지문과 비교했습니다. 이 인증서를 신뢰합니다</translation>
    </message>
    <message>
        <source>Adding %1</source>
        <translation>%1 추가 중</translation>
    </message>
    <message>
        <source>Adding the chassis and its machines…</source>
        <translation>섀시와 머신을 추가하는 중…</translation>
    </message>
</context>
<context>
    <name>metaldesk::AddMachineDialog</name>
    <message>
        <source>Add machine</source>
        <translation>머신 추가</translation>
    </message>
    <message>
        <source>empty: a random two-word name</source>
        <translation>비워 두면 임의의 두 단어 이름</translation>
    </message>
    <message>
        <source>52:54:00:12:34:56, another one, ...</source>
        <translation>52:54:00:12:34:56, 다른 주소, ...</translation>
    </message>
    <message>
        <source>The machine&apos;s network interfaces; the first is the one it boots from</source>
        <translation>머신의 네트워크 인터페이스. 첫 번째가 부팅에 쓰는 인터페이스입니다</translation>
    </message>
    <message>
        <source>Hostname:</source>
        <translation>호스트 이름:</translation>
    </message>
    <message>
        <source>Architecture:</source>
        <translation>아키텍처:</translation>
    </message>
    <message>
        <source>MAC addresses:</source>
        <translation>MAC 주소:</translation>
    </message>
    <message>
        <source>Power</source>
        <translation>전원</translation>
    </message>
    <message>
        <source>give at least one MAC address: the one the machine boots from</source>
        <translation>MAC 주소를 하나 이상 입력하세요: 머신이 부팅에 쓰는 주소</translation>
    </message>
</context>
<context>
    <name>metaldesk::AddUserDialog</name>
    <message>
        <source>Add user</source>
        <translation>사용자 추가</translation>
    </message>
</context>
<context>
    <name>metaldesk::ChassisPage</name>
    <message>
        <source>&amp;Add chassis…</source>
        <translation>섀시 추가(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Re-sync</source>
        <translation>다시 동기화(&amp;R)</translation>
    </message>
    <message>
        <source>Re&amp;move…</source>
        <translation>제거(&amp;M)…</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>유형</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>주소</translation>
    </message>
    <message>
        <source>Prefix</source>
        <translation>접두사</translation>
    </message>
    <message>
        <source>Machines</source>
        <translation>머신</translation>
    </message>
    <message>
        <source>Last sync</source>
        <translation>마지막 동기화</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>문제</translation>
    </message>
    <message>
        <source>Cannot read the chassis: %1</source>
        <translation>섀시를 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>never</source>
        <translation>없음</translation>
    </message>
    <message>
        <source>(all VMs)</source>
        <translation>(모든 VM)</translation>
    </message>
    <message>
        <source>List the host&apos;s VMs again: add new ones, update changed ones, mark removed ones</source>
        <translation>호스트의 VM 목록을 다시 가져옵니다: 새 VM은 추가하고, 바뀐 VM은 갱신하고, 없어진 VM은 표시합니다</translation>
    </message>
    <message>
        <source>Select a chassis first</source>
        <translation>먼저 섀시를 선택하세요</translation>
    </message>
    <message>
        <source>Re-syncing %1</source>
        <translation>%1 다시 동기화 중</translation>
    </message>
    <message>
        <source>Listing the VMs of %1</source>
        <translation>%1의 VM 목록 가져오는 중</translation>
    </message>
    <message>
        <source>Re-sync of %1 failed: %2</source>
        <translation>%1 다시 동기화에 실패했습니다: %2</translation>
    </message>
    <message>
        <source>Re-synced %1.</source>
        <translation>%1을(를) 다시 동기화했습니다.</translation>
    </message>
    <message>
        <source>New: %1.</source>
        <translation>새 머신: %1.</translation>
    </message>
    <message>
        <source>Updated: %1.</source>
        <translation>갱신함: %1.</translation>
    </message>
    <message>
        <source>No longer on the host: %1.</source>
        <translation>호스트에 더 이상 없음: %1.</translation>
    </message>
    <message>
        <source>Not added: %1 (%2).</source>
        <translation>추가하지 않음: %1 (%2).</translation>
    </message>
    <message>
        <source>Nothing changed.</source>
        <translation>바뀐 것이 없습니다.</translation>
    </message>
    <message>
        <source>Remove chassis</source>
        <translation>섀시 제거</translation>
    </message>
    <message>
        <source>Remove the chassis %1? Its %2 machine(s) stay, with their power settings; delete them from the Machines page if they should go too.</source>
        <translation>섀시 %1을(를) 제거할까요? 머신 %2대는 전원 설정과 함께 남습니다. 머신도 없애려면 머신 페이지에서 삭제하세요.</translation>
    </message>
    <message>
        <source>Remove, keep the machines</source>
        <translation>제거하고 머신은 유지</translation>
    </message>
    <message>
        <source>Cannot remove %1: %2</source>
        <translation>%1을(를) 제거할 수 없습니다: %2</translation>
    </message>
    <message>
        <source>Removed the chassis %1; its machines stay.</source>
        <translation>섀시 %1을(를) 제거했습니다. 머신은 남아 있습니다.</translation>
    </message>
    <message>
        <source>Re-sync of %1 stopped: nothing was changed.</source>
        <translation>%1 다시 동기화를 멈췄습니다: 바뀐 것이 없습니다.</translation>
    </message>
    <message>
        <source>&amp;Trust the new certificate…</source>
        <translation>새 인증서 신뢰(&amp;T)…</translation>
    </message>
    <message>
        <source>No chassis yet. A chassis is a libvirt, vCenter or ESXi host whose VMs MetalDesk adds as machines and powers through the host: Add chassis lists them.</source>
        <translation>아직 섀시가 없습니다. 섀시는 libvirt, vCenter 또는 ESXi 호스트로, MetalDesk가 그 VM을 머신으로 추가하고 호스트를 통해 전원을 제어합니다. 섀시 추가에서 VM 목록을 가져옵니다.</translation>
    </message>
    <message>
        <source>Trust the new certificate</source>
        <translation>새 인증서 신뢰</translation>
    </message>
    <message>
        <source>%1 now shows another certificate.

Now: %2
Trusted until now: %3

Trust the new one only if you replaced the host&apos;s certificate and its fingerprint is the one the host shows. Otherwise something else answers in the host&apos;s place: leave it refused.</source>
        <translation>%1이(가) 이제 다른 인증서를 보여 줍니다.

현재: %2
지금까지 신뢰한 인증서: %3

호스트의 인증서를 직접 교체했고 그 지문이 호스트에 표시된 것과 같을 때만 새 인증서를 신뢰하세요. 그렇지 않다면 다른 무언가가 호스트 대신 응답하고 있으니 거부된 상태로 두세요.</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(없음)</translation>
    </message>
    <message>
        <source>Trust it and re-sync</source>
        <translation>신뢰하고 다시 동기화</translation>
    </message>
    <message>
        <source>Cannot trust the certificate of %1: %2</source>
        <translation>%1의 인증서를 신뢰할 수 없습니다: %2</translation>
    </message>
</context>
<context>
    <name>metaldesk::ConsoleWatcher</name>
    <message>
        <source>reads the serial console of libvirt machines while they commission, deploy, release or test</source>
        <translation>libvirt 머신이 커미션, 배포, 릴리스 또는 테스트하는 동안 시리얼 콘솔을 읽습니다</translation>
    </message>
    <message>
        <source>consoles read</source>
        <translation>읽은 콘솔</translation>
    </message>
    <message>
        <source>screens saved</source>
        <translation>저장한 화면</translation>
    </message>
</context>
<context>
    <name>metaldesk::DesktopTray</name>
    <message>
        <source>&amp;Show MetalDesk</source>
        <translation>MetalDesk 보기(&amp;S)</translation>
    </message>
    <message>
        <source>Desktop &amp;notifications</source>
        <translation>데스크톱 알림(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Quit MetalDesk</source>
        <translation>MetalDesk 종료(&amp;Q)</translation>
    </message>
    <message>
        <source>No machine at work</source>
        <translation>작업 중인 머신 없음</translation>
    </message>
    <message>
        <source>1 machine at work</source>
        <translation>머신 1대 작업 중</translation>
    </message>
    <message>
        <source>%1 machines at work</source>
        <translation>머신 %1대 작업 중</translation>
    </message>
    <message>
        <source>Commissioning finished: the machine is Ready.</source>
        <translation>커미션 완료: 머신이 준비되었습니다.</translation>
    </message>
    <message>
        <source>Deployed: the machine is yours to use.</source>
        <translation>배포 완료: 이제 머신을 사용할 수 있습니다.</translation>
    </message>
    <message>
        <source>Released: the machine is Ready.</source>
        <translation>릴리스 완료: 머신이 준비되었습니다.</translation>
    </message>
    <message>
        <source>%1 finished: the machine is %2.</source>
        <translation>%1 완료: 머신 상태는 %2입니다.</translation>
    </message>
    <message>
        <source>Problem: %1</source>
        <translation>문제: %1</translation>
    </message>
    <message>
        <source>Close MetalDesk</source>
        <translation>MetalDesk 닫기</translation>
    </message>
    <message>
        <source>Keep MetalDesk running in the tray?</source>
        <translation>MetalDesk를 트레이에서 계속 실행할까요?</translation>
    </message>
    <message>
        <source>These services are running: %1. Machines that start from the network need them. In the tray they run on, and its icon brings this window back.</source>
        <translation>다음 서비스가 실행 중입니다: %1. 네트워크로 부팅하는 머신에 필요한 서비스입니다. 트레이에 두면 서비스는 계속 실행되고, 트레이 아이콘으로 이 창을 다시 열 수 있습니다.</translation>
    </message>
    <message>
        <source>&amp;Keep running in the tray</source>
        <translation>트레이에서 계속 실행(&amp;K)</translation>
    </message>
    <message>
        <source>Quit MetalDesk?</source>
        <translation>MetalDesk를 종료할까요?</translation>
    </message>
    <message>
        <source>These services are running: %1. Quitting stops them: machines that start from the network then find no boot server until MetalDesk runs again. (This desktop has no system tray to keep MetalDesk in.)</source>
        <translation>다음 서비스가 실행 중입니다: %1. 종료하면 서비스가 중지되어, MetalDesk를 다시 실행할 때까지 네트워크로 부팅하는 머신이 부트 서버를 찾지 못합니다. (이 데스크톱에는 MetalDesk를 둘 시스템 트레이가 없습니다.)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>종료(&amp;Q)</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>열기</translation>
    </message>
</context>
<context>
    <name>metaldesk::FirstRunWizard</name>
    <message>
        <source>Welcome to MetalDesk</source>
        <translation>MetalDesk에 오신 것을 환영합니다</translation>
    </message>
    <message>
        <source>The administrator</source>
        <translation>관리자</translation>
    </message>
    <message>
        <source>Create the administrator account. The administrator commissions machines, manages users and changes the settings; other users acquire and deploy machines.</source>
        <translation>관리자 계정을 만드세요. 관리자는 머신을 커미션하고 사용자와 설정을 관리합니다. 다른 사용자는 머신을 할당받아 배포합니다.</translation>
    </message>
    <message>
        <source>The boot network</source>
        <translation>부트 네트워크</translation>
    </message>
    <message>
        <source>Choose the interface where your machines network-boot, for example a second NIC on a switch of its own. MetalDesk answers DHCP there only. Check for other DHCP servers first: where your home router already gives addresses, choose proxy mode, and MetalDesk adds only the boot information. Apply your choice, or go on and set it later on the Network page.</source>
        <translation>머신이 네트워크 부팅할 인터페이스를 선택하세요(예: 별도 스위치에 연결한 두 번째 NIC). MetalDesk는 그 인터페이스에서만 DHCP에 응답합니다. 먼저 다른 DHCP 서버가 있는지 확인하세요. 집 공유기가 이미 주소를 주고 있다면 프록시 모드를 선택하세요. MetalDesk는 부팅 정보만 추가합니다. 선택을 적용하거나, 다음으로 넘어가 나중에 네트워크 페이지에서 설정하세요.</translation>
    </message>
    <message>
        <source>Your machines</source>
        <translation>머신 준비</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>Every MetalDesk service that is set up is running.</source>
        <translation>설정된 MetalDesk 서비스가 모두 실행 중입니다.</translation>
    </message>
    <message>
        <source>These services cannot run; each line says how to fix it:</source>
        <translation>다음 서비스를 실행할 수 없습니다. 각 줄에 해결 방법이 있습니다:</translation>
    </message>
    <message>
        <source>The services</source>
        <translation>서비스</translation>
    </message>
    <message>
        <source>Machines boot from MetalDesk&apos;s DHCP, TFTP and HTTP services, which must be able to listen on their ports. DHCP and TFTP use ports below 1024, which need root or the capability to bind them.</source>
        <translation>머신은 MetalDesk의 DHCP, TFTP, HTTP 서비스로 부팅하므로 이 서비스들이 각자의 포트에서 수신할 수 있어야 합니다. DHCP와 TFTP는 1024보다 낮은 포트를 사용하므로 root 권한이나 해당 포트를 열 수 있는 권한(capability)이 필요합니다.</translation>
    </message>
    <message>
        <source>Check &amp;again</source>
        <translation>다시 확인(&amp;A)</translation>
    </message>
    <message>
        <source>Starts again each service that could not run, once you have fixed its cause</source>
        <translation>원인을 해결한 뒤 실행하지 못한 서비스를 다시 시작합니다</translation>
    </message>
    <message>
        <source>&amp;Copy the problems</source>
        <translation>문제 복사(&amp;C)</translation>
    </message>
    <message>
        <source>Set your machines to boot from the network first, then switch them on: each one appears on the Machines page as New within a minute, named with two random words, and switches itself off. Then select machines and use Take action: Commission, Acquire, Deploy, Release.

Virtual machines on a vSphere or libvirt host: add the host on the Chassis page (Add chassis), and MetalDesk lists its machines and switches them on and off itself.</source>
        <translation>머신이 네트워크 부팅을 먼저 하도록 설정한 뒤 전원을 켜세요. 1분 안에 머신 페이지에 임의의 두 단어 이름을 가진 신규 머신으로 나타나고 스스로 전원이 꺼집니다. 그다음 머신을 선택하고 작업 실행에서 커미션, 할당, 배포, 릴리스를 하세요.

vSphere나 libvirt 호스트의 가상 머신은 섀시 페이지에서 호스트를 추가(섀시 추가)하면 MetalDesk가 머신 목록을 가져오고 전원도 직접 켜고 끕니다.</translation>
    </message>
</context>
<context>
    <name>metaldesk::ImageSourceDialog</name>
    <message>
        <source>The mirror has no signatures: take its files unchecked</source>
        <translation>미러에 서명이 없음: 파일을 확인 없이 받기</translation>
    </message>
    <message>
        <source>Add image source</source>
        <translation>이미지 소스 추가</translation>
    </message>
    <message>
        <source>os/release/architecture, separated by commas; * for any part</source>
        <translation>os/release/아키텍처를 쉼표로 구분해서. 아무 값이나는 *</translation>
    </message>
    <message>
        <source>or paste the key: -----BEGIN PGP PUBLIC KEY BLOCK-----…</source>
        <translation>또는 키를 붙여 넣기: -----BEGIN PGP PUBLIC KEY BLOCK-----…</translation>
    </message>
    <message>
        <source>&amp;Add source</source>
        <translation>소스 추가(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Choose…</source>
        <translation>선택(&amp;C)…</translation>
    </message>
    <message>
        <source>&amp;Mirror:</source>
        <translation>미러(&amp;M):</translation>
    </message>
    <message>
        <source>&amp;Import:</source>
        <translation>가져올 것(&amp;I):</translation>
    </message>
    <message>
        <source>&amp;Key file:</source>
        <translation>키 파일(&amp;K):</translation>
    </message>
    <message>
        <source>images.maas.io signs with key %1 (Ubuntu Cloud Image Builder). Debian does not package it: get ubuntu-cloudimage-keyring.gpg from Ubuntu and check its fingerprint is this one.</source>
        <translation>images.maas.io는 키 %1 (Ubuntu Cloud Image Builder)로 서명합니다. Debian에는 이 키의 패키지가 없습니다. Ubuntu에서 ubuntu-cloudimage-keyring.gpg를 받아 지문이 이것과 같은지 확인하세요.</translation>
    </message>
    <message>
        <source>Signatures must come from: %1</source>
        <translation>서명해야 하는 키: %1</translation>
    </message>
    <message>
        <source>This key cannot be used: %1</source>
        <translation>이 키는 사용할 수 없습니다: %1</translation>
    </message>
    <message>
        <source>The mirror&apos;s public key</source>
        <translation>미러의 공개 키</translation>
    </message>
    <message>
        <source>OpenPGP keys (*.gpg *.asc *.key);;All files (*)</source>
        <translation>OpenPGP 키 (*.gpg *.asc *.key);;모든 파일 (*)</translation>
    </message>
</context>
<context>
    <name>metaldesk::ImageUploadDialog</name>
    <message>
        <source>&amp;BIOS</source>
        <translation>&amp;BIOS</translation>
    </message>
    <message>
        <source>&amp;UEFI</source>
        <translation>&amp;UEFI</translation>
    </message>
    <message>
        <source>Add image</source>
        <translation>이미지 추가</translation>
    </message>
    <message>
        <source>os/release, as MAAS names images; an API client deploys it by its release</source>
        <translation>MAAS처럼 os/release로 이름 짓습니다. API 클라이언트는 release로 배포합니다</translation>
    </message>
    <message>
        <source>Debian 12 with our tools</source>
        <translation>우리 도구가 든 Debian 12</translation>
    </message>
    <message>
        <source>optional: the file&apos;s SHA-256, checked as it is copied</source>
        <translation>선택: 파일의 SHA-256. 복사하면서 확인합니다</translation>
    </message>
    <message>
        <source>&amp;Add image</source>
        <translation>이미지 추가(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Choose…</source>
        <translation>선택(&amp;C)…</translation>
    </message>
    <message>
        <source>&amp;File:</source>
        <translation>파일(&amp;F):</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>이름(&amp;N):</translation>
    </message>
    <message>
        <source>&amp;Title:</source>
        <translation>제목(&amp;T):</translation>
    </message>
    <message>
        <source>A&amp;rchitecture:</source>
        <translation>아키텍처(&amp;R):</translation>
    </message>
    <message>
        <source>Boots on:</source>
        <translation>부팅 펌웨어:</translation>
    </message>
    <message>
        <source>&amp;SHA-256:</source>
        <translation>&amp;SHA-256:</translation>
    </message>
    <message>
        <source>A qcow2 image of %1: converted to a raw disk as it is added.</source>
        <translation>%1 크기의 qcow2 이미지: 추가할 때 raw 디스크로 변환합니다.</translation>
    </message>
    <message>
        <source>A whole-disk image (%1), %2.</source>
        <translation>디스크 전체 이미지(%1), %2.</translation>
    </message>
    <message>
        <source>Give the image a name, as os/release (debian/bookworm)</source>
        <translation>이미지 이름을 os/release 형식으로 입력하세요 (debian/bookworm)</translation>
    </message>
    <message>
        <source>Choose the image file</source>
        <translation>이미지 파일을 선택하세요</translation>
    </message>
    <message>
        <source>The image file</source>
        <translation>이미지 파일</translation>
    </message>
    <message>
        <source>a whole-disk image (.img, .raw, .gz, .xz, .bz2, .qcow2) or a root .tar.gz</source>
        <translation>디스크 전체 이미지(.img, .raw, .gz, .xz, .bz2, .qcow2) 또는 루트 .tar.gz</translation>
    </message>
    <message>
        <source>A root filesystem tarball of %1: installed with the kernel and initrd in its /boot.</source>
        <translation>%1 크기의 루트 파일 시스템 tarball: /boot에 든 커널과 initrd로 설치됩니다.</translation>
    </message>
    <message>
        <source>Images (*.img *.raw *.gz *.xz *.bz2 *.qcow2 *.tgz);;All files (*)</source>
        <translation>이미지 (*.img *.raw *.gz *.xz *.bz2 *.qcow2 *.tgz);;모든 파일 (*)</translation>
    </message>
</context>
<context>
    <name>metaldesk::ImagesPage</name>
    <message>
        <source>Mirror</source>
        <translation>미러</translation>
    </message>
    <message>
        <source>Imports</source>
        <translation>가져올 것</translation>
    </message>
    <message>
        <source>Signed by</source>
        <translation>서명한 키</translation>
    </message>
    <message>
        <source>Image</source>
        <translation>이미지</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>아키텍처</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>버전</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>형식</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>크기</translation>
    </message>
    <message>
        <source>State</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Origin</source>
        <translation>출처</translation>
    </message>
    <message>
        <source>&amp;Add source…</source>
        <translation>소스 추가(&amp;A)…</translation>
    </message>
    <message>
        <source>Re&amp;move source…</source>
        <translation>소스 제거(&amp;M)…</translation>
    </message>
    <message>
        <source>&amp;Import now</source>
        <translation>지금 가져오기(&amp;I)</translation>
    </message>
    <message>
        <source>&lt;b&gt;Sources&lt;/b&gt;</source>
        <translation>&lt;b&gt;소스&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Catalogue&lt;/b&gt;</source>
        <translation>&lt;b&gt;카탈로그&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Cannot read the images: %1</source>
        <translation>이미지를 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>nobody: unsigned</source>
        <translation>없음: 서명 없음</translation>
    </message>
    <message>
        <source>deployable</source>
        <translation>배포 가능</translation>
    </message>
    <message>
        <source>Add a source first</source>
        <translation>먼저 소스를 추가하세요</translation>
    </message>
    <message>
        <source>Fetch what the sources select, checking every signature and file</source>
        <translation>소스에서 고른 것을 받고 모든 서명과 파일을 확인합니다</translation>
    </message>
    <message>
        <source>The source was not added: %1</source>
        <translation>소스를 추가하지 못했습니다: %1</translation>
    </message>
    <message>
        <source>%1 is a source: Import now fetches what it selects.</source>
        <translation>%1이(가) 소스가 되었습니다. 지금 가져오기를 누르면 고른 것을 받습니다.</translation>
    </message>
    <message>
        <source>Remove image source</source>
        <translation>이미지 소스 제거</translation>
    </message>
    <message>
        <source>Remove %1? The images it imported stay in the catalogue.</source>
        <translation>%1을(를) 제거할까요? 가져온 이미지는 카탈로그에 남습니다.</translation>
    </message>
    <message>
        <source>Left out: %1.</source>
        <translation>제외됨: %1.</translation>
    </message>
    <message>
        <source>Import failed, the catalogue is as it was: %1</source>
        <translation>가져오기에 실패했습니다. 카탈로그는 그대로입니다: %1</translation>
    </message>
    <message>
        <source>verified, not deployable: no kernel and initrd to install with it</source>
        <translation>검증됨, 배포 불가: 함께 설치할 커널과 initrd가 없음</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>일시 중지(&amp;P)</translation>
    </message>
    <message>
        <source>Stop the import and keep what was fetched: Resume goes on from there</source>
        <translation>가져오기를 멈추고 받은 것은 남겨 둡니다. 계속하면 거기서부터 이어 받습니다</translation>
    </message>
    <message>
        <source>&amp;Resume import</source>
        <translation>가져오기 계속(&amp;R)</translation>
    </message>
    <message>
        <source>Go on with the paused import: what was fetched is not fetched again</source>
        <translation>일시 중지한 가져오기를 이어 갑니다. 이미 받은 것은 다시 받지 않습니다</translation>
    </message>
    <message>
        <source>Import paused: the catalogue is as it was. Resume import goes on from where it stopped.</source>
        <translation>가져오기를 일시 중지했습니다. 카탈로그는 그대로입니다. 가져오기 계속을 누르면 멈춘 곳부터 이어 받습니다.</translation>
    </message>
    <message>
        <source>Import cancelled: the catalogue is as it was, and the %1 fetched so far were removed.</source>
        <translation>가져오기를 취소했습니다. 카탈로그는 그대로이고, 지금까지 받은 %1은(는) 지웠습니다.</translation>
    </message>
    <message>
        <source>Import cancelled: the catalogue is as it was, but the partial downloads stay: %1</source>
        <translation>가져오기를 취소했습니다. 카탈로그는 그대로이지만 일부 받은 파일은 남아 있습니다: %1</translation>
    </message>
    <message>
        <source>Add i&amp;mage…</source>
        <translation>이미지 추가(&amp;M)…</translation>
    </message>
    <message>
        <source>No image source yet. Add one to import Ubuntu&apos;s images as MAAS does (images.maas.io), or add a whole-disk image of your own (Add image). Machines enlist and commission without any image.</source>
        <translation>아직 이미지 소스가 없습니다. 소스를 추가해 MAAS처럼 Ubuntu 이미지를 가져오거나(images.maas.io), 직접 만든 디스크 전체 이미지를 추가하세요(이미지 추가). 머신 등록과 커미션에는 이미지가 필요 없습니다.</translation>
    </message>
    <message>
        <source>uploaded by %1</source>
        <translation>%1이(가) 올림</translation>
    </message>
    <message>
        <source>%1 (%2) is in the catalogue, deployable: %3.</source>
        <translation>%1 (%2)이(가) 카탈로그에 추가되어 배포할 수 있습니다: %3.</translation>
    </message>
    <message>
        <source>Adding the image was cancelled: nothing was kept.</source>
        <translation>이미지 추가를 취소했습니다. 아무것도 남기지 않았습니다.</translation>
    </message>
    <message>
        <source>The image was not added: %1</source>
        <translation>이미지를 추가하지 못했습니다: %1</translation>
    </message>
    <message>
        <source>Used by</source>
        <translation>사용 중인 머신</translation>
    </message>
    <message numerus="yes">
        <source>%1, %2 and %n more</source>
        <translation>
            <numerusform>%1, %2 외 %n대</numerusform>
        </translation>
    </message>
    <message>
        <source>File</source>
        <translation>파일</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>진행</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>속도</translation>
    </message>
    <message>
        <source>Time left</source>
        <translation>남은 시간</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>대기 중</translation>
    </message>
    <message>
        <source>fetching, checking SHA-256</source>
        <translation>받는 중, SHA-256 확인 중</translation>
    </message>
    <message>
        <source>✓ SHA-256 verified</source>
        <translation>✓ SHA-256 검증됨</translation>
    </message>
    <message>
        <source>failed: %1</source>
        <translation>실패: %1</translation>
    </message>
    <message>
        <source>%1/s</source>
        <translation>%1/s</translation>
    </message>
    <message>
        <source>Add an image of your own to the catalogue: a whole-disk image (raw, gzip, xz, bzip2 or qcow2) or a root filesystem tarball (.tar.gz)</source>
        <translation>직접 만든 이미지를 카탈로그에 추가합니다: 디스크 전체 이미지(raw, gzip, xz, bzip2, qcow2) 또는 루트 파일 시스템 tarball(.tar.gz)</translation>
    </message>
    <message>
        <source>previous version, kept as a fallback: Deploy offers it</source>
        <translation>이전 버전, 대비용으로 보관: 배포에서 고를 수 있습니다</translation>
    </message>
    <message>
        <source>Boots</source>
        <translation>부팅 방식</translation>
    </message>
    <message>
        <source>unsigned source, as allowed</source>
        <translation>서명 없는 소스 (허용됨)</translation>
    </message>
    <message>
        <source>signature ✓ %1, and an unsigned source as allowed</source>
        <translation>서명 ✓ %1, 서명 없는 소스 (허용됨)</translation>
    </message>
    <message>
        <source>signature ✓ %1</source>
        <translation>서명 ✓ %1</translation>
    </message>
    <message>
        <source>Imported and verified: %1 (%2; SHA-256 ✓ of every file). Fetched %3.</source>
        <translation>가져와서 검증함: %1 (%2, 모든 파일의 SHA-256 ✓). 받은 양 %3.</translation>
    </message>
    <message>
        <source>paused: Resume import goes on</source>
        <translation>일시 중지됨: 가져오기 재개로 이어서 받습니다</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>취소됨</translation>
    </message>
    <message>
        <source>not fetched</source>
        <translation>받지 않음</translation>
    </message>
</context>
<context>
    <name>metaldesk::JobProgressBar</name>
    <message>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>취소하는 중…</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%2 중 %1</translation>
    </message>
    <message>
        <source>%1/s</source>
        <translation>%1/초</translation>
    </message>
    <message>
        <source>%1 a second</source>
        <translation>초당 %1</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>%1 남음</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>완료.</translation>
    </message>
    <message>
        <source>Cancelled: nothing was changed.</source>
        <translation>취소했습니다. 바뀐 것은 없습니다.</translation>
    </message>
</context>
<context>
    <name>metaldesk::LeaseTableModel</name>
    <message>
        <source>offered</source>
        <translation>제안됨</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>만료됨</translation>
    </message>
    <message>
        <source>bound</source>
        <translation>사용 중</translation>
    </message>
    <message>
        <source>released</source>
        <translation>해제됨</translation>
    </message>
    <message>
        <source>declined</source>
        <translation>거부됨</translation>
    </message>
    <message>
        <source>MAC address</source>
        <translation>MAC 주소</translation>
    </message>
    <message>
        <source>IP address</source>
        <translation>IP 주소</translation>
    </message>
    <message>
        <source>Hostname</source>
        <translation>호스트 이름</translation>
    </message>
    <message>
        <source>State</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>만료 시각</translation>
    </message>
</context>
<context>
    <name>metaldesk::LifecycleEngine</name>
    <message>
        <source>a new machine cannot start in status %1</source>
        <translation>새 머신은 %1 상태로 시작할 수 없습니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a valid hostname: use 1 to 63 lower-case letters, digits and &apos;-&apos;, not starting or ending with &apos;-&apos;</source>
        <translation>&apos;%1&apos;은(는) 올바른 호스트 이름이 아닙니다: 소문자, 숫자, &apos;-&apos;로 1~63자를 쓰고 &apos;-&apos;로 시작하거나 끝나지 않아야 합니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a MAC address (expected six hex pairs, like 52:54:00:12:34:56)</source>
        <translation>&apos;%1&apos;은(는) MAC 주소가 아닙니다(52:54:00:12:34:56처럼 16진수 여섯 쌍이어야 합니다)</translation>
    </message>
    <message>
        <source>the MAC address %1 is given twice</source>
        <translation>MAC 주소 %1이(가) 두 번 주어졌습니다</translation>
    </message>
    <message>
        <source>cannot write to the database: %1</source>
        <translation>데이터베이스에 쓸 수 없습니다: %1</translation>
    </message>
    <message>
        <source>the MAC address %1 already belongs to machine %2 (%3)</source>
        <translation>MAC 주소 %1은(는) 이미 머신 %2(%3)의 것입니다</translation>
    </message>
    <message>
        <source>the hostname %1 is already used by another machine</source>
        <translation>호스트 이름 %1은(는) 이미 다른 머신이 쓰고 있습니다</translation>
    </message>
    <message>
        <source>no free hostname is left: give the machine a hostname</source>
        <translation>남은 호스트 이름이 없습니다: 머신에 호스트 이름을 지정하세요</translation>
    </message>
    <message>
        <source>the new machine could not be read back: %1</source>
        <translation>새 머신을 다시 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>no machine with system id %1</source>
        <translation>시스템 ID가 %1인 머신이 없습니다</translation>
    </message>
    <message>
        <source>cannot move %1 from %2 to %3: the lifecycle does not allow it</source>
        <translation>%1을(를) %2에서 %3(으)로 옮길 수 없습니다: 라이프사이클이 허용하지 않습니다</translation>
    </message>
    <message>
        <source>cannot %1: nothing to do while the machine is %2</source>
        <translation>%1 불가: 머신이 %2 상태일 때는 할 일이 없습니다</translation>
    </message>
    <message>
        <source>cannot mark %1 as failed: it is %2, nothing is in progress</source>
        <translation>%1을(를) 실패로 표시할 수 없습니다: %2 상태이며 진행 중인 작업이 없습니다</translation>
    </message>
</context>
<context>
    <name>metaldesk::MachineConsoleTab</name>
    <message>
        <source>MetalDesk reads the serial console of machines powered through libvirt. For this machine, use the console of its BMC or hypervisor.</source>
        <translation>MetalDesk는 libvirt로 전원을 제어하는 머신의 시리얼 콘솔을 읽습니다. 이 머신은 BMC나 하이퍼바이저의 콘솔을 사용하세요.</translation>
    </message>
    <message>
        <source>the console could not be read: %1</source>
        <translation>콘솔을 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Nothing read yet. MetalDesk reads this VM&apos;s serial console while the machine commissions, deploys, releases or tests.</source>
        <translation>아직 읽은 내용이 없습니다. MetalDesk는 머신이 커미션, 배포, 릴리스 또는 테스트하는 동안 이 VM의 시리얼 콘솔을 읽습니다.</translation>
    </message>
    <message>
        <source>Live from libvirt (the last screen, read at %1).</source>
        <translation>libvirt에서 실시간으로 읽는 중 (마지막 화면, %1에 읽음).</translation>
    </message>
    <message>
        <source>The last screen, read at %1. %2</source>
        <translation>마지막 화면, %1에 읽음. %2</translation>
    </message>
</context>
<context>
    <name>metaldesk::MachineDetails</name>
    <message>
        <source>Summary</source>
        <translation>요약</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>네트워크</translation>
    </message>
    <message>
        <source>Storage</source>
        <translation>스토리지</translation>
    </message>
    <message>
        <source>Commissioning</source>
        <translation>커미션 결과</translation>
    </message>
    <message>
        <source>Events</source>
        <translation>이벤트</translation>
    </message>
    <message>
        <source>Machines</source>
        <translation>머신</translation>
    </message>
    <message>
        <source>Back to the machine list (Esc)</source>
        <translation>머신 목록으로 돌아가기 (Esc)</translation>
    </message>
    <message>
        <source>The machine&apos;s unique id, as API clients see it</source>
        <translation>API 클라이언트가 보는 머신의 고유 ID</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Power</source>
        <translation>전원</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>소유자</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>아키텍처</translation>
    </message>
    <message>
        <source>Processor</source>
        <translation>프로세서</translation>
    </message>
    <message>
        <source>Architecture:</source>
        <translation>아키텍처:</translation>
    </message>
    <message>
        <source>Model:</source>
        <translation>모델:</translation>
    </message>
    <message>
        <source>CPU cores:</source>
        <translation>CPU 코어:</translation>
    </message>
    <message>
        <source>Memory and storage</source>
        <translation>메모리와 스토리지</translation>
    </message>
    <message>
        <source>Memory:</source>
        <translation>메모리:</translation>
    </message>
    <message>
        <source>Storage:</source>
        <translation>스토리지:</translation>
    </message>
    <message>
        <source>Disks:</source>
        <translation>디스크:</translation>
    </message>
    <message>
        <source>Boot disk:</source>
        <translation>부트 디스크:</translation>
    </message>
    <message>
        <source>Firmware and system</source>
        <translation>펌웨어와 시스템</translation>
    </message>
    <message>
        <source>Firmware:</source>
        <translation>펌웨어:</translation>
    </message>
    <message>
        <source>Vendor:</source>
        <translation>제조사:</translation>
    </message>
    <message>
        <source>Product:</source>
        <translation>제품:</translation>
    </message>
    <message>
        <source>Serial number:</source>
        <translation>시리얼 번호:</translation>
    </message>
    <message>
        <source>Interfaces:</source>
        <translation>인터페이스:</translation>
    </message>
    <message>
        <source>Boot interface:</source>
        <translation>부트 인터페이스:</translation>
    </message>
    <message>
        <source>Latest events</source>
        <translation>최근 이벤트</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <source>MAC address</source>
        <translation>MAC 주소</translation>
    </message>
    <message>
        <source>Driver</source>
        <translation>드라이버</translation>
    </message>
    <message>
        <source>Link</source>
        <translation>링크</translation>
    </message>
    <message>
        <source>Boot</source>
        <translation>부트</translation>
    </message>
    <message>
        <source>The interface the machine boots from over the network</source>
        <translation>머신이 네트워크 부팅에 사용하는 인터페이스</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>모델</translation>
    </message>
    <message>
        <source>Serial number</source>
        <translation>시리얼 번호</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>크기</translation>
    </message>
    <message>
        <source>The disk a deployment writes the image to</source>
        <translation>배포할 때 이미지를 기록하는 디스크</translation>
    </message>
    <message>
        <source>Results received:</source>
        <translation>결과 수신:</translation>
    </message>
    <message>
        <source>&lt;b&gt;This machine has been deleted.&lt;/b&gt; What is shown is how it was.</source>
        <translation>&lt;b&gt;이 머신은 삭제되었습니다.&lt;/b&gt; 삭제 전의 정보를 보여 줍니다.</translation>
    </message>
    <message>
        <source>&lt;b&gt;The machine could not be read:&lt;/b&gt; %1</source>
        <translation>&lt;b&gt;머신 정보를 읽을 수 없습니다:&lt;/b&gt; %1</translation>
    </message>
    <message>
        <source>The commissioning results could not be read: %1</source>
        <translation>커미션 결과를 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>The stored results are not an inventory MetalDesk can read: %1</source>
        <translation>저장된 결과가 MetalDesk가 읽을 수 있는 하드웨어 목록이 아닙니다: %1</translation>
    </message>
    <message>
        <source>%1, no power driver</source>
        <translation>%1, 전원 드라이버 없음</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>Set a power driver so that MetalDesk can switch the machine on and off</source>
        <translation>MetalDesk가 머신의 전원을 켜고 끌 수 있도록 전원 드라이버를 설정하세요</translation>
    </message>
    <message>
        <source>Power driver: %1</source>
        <translation>전원 드라이버: %1</translation>
    </message>
    <message>
        <source>Nobody has acquired this machine</source>
        <translation>이 머신을 할당받은 사용자가 없습니다</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1:&lt;/b&gt; %2</source>
        <translation>&lt;b&gt;%1:&lt;/b&gt; %2</translation>
    </message>
    <message>
        <source>The machine did not report it</source>
        <translation>머신이 보고하지 않았습니다</translation>
    </message>
    <message>
        <source>The machine is being commissioned: its hardware appears here when it reports.</source>
        <translation>머신을 커미션하는 중입니다. 머신이 보고하면 하드웨어 정보가 여기에 표시됩니다.</translation>
    </message>
    <message>
        <source>%1 bytes</source>
        <translation>%1바이트</translation>
    </message>
    <message>
        <source>1 interface</source>
        <translation>인터페이스 1개</translation>
    </message>
    <message>
        <source>%1 interfaces</source>
        <translation>인터페이스 %1개</translation>
    </message>
    <message>
        <source>Drivers and link states: %1</source>
        <translation>드라이버와 링크 상태: %1</translation>
    </message>
    <message>
        <source>This MAC address belongs to another machine in MetalDesk</source>
        <translation>이 MAC 주소는 MetalDesk의 다른 머신에 속해 있습니다</translation>
    </message>
    <message>
        <source>Up</source>
        <translation>연결됨</translation>
    </message>
    <message>
        <source>Down</source>
        <translation>끊김</translation>
    </message>
    <message>
        <source>The machine did not report this interface</source>
        <translation>머신이 이 인터페이스를 보고하지 않았습니다</translation>
    </message>
    <message>
        <source>The machine boots from the network through this interface</source>
        <translation>머신이 이 인터페이스로 네트워크 부팅합니다</translation>
    </message>
    <message>
        <source>The machine is being commissioned: its disks appear here when it reports.</source>
        <translation>머신을 커미션하는 중입니다. 머신이 보고하면 디스크가 여기에 표시됩니다.</translation>
    </message>
    <message>
        <source>The machine reported no disks.</source>
        <translation>머신이 보고한 디스크가 없습니다.</translation>
    </message>
    <message>
        <source>A deployment writes the image to this disk</source>
        <translation>배포할 때 이 디스크에 이미지를 기록합니다</translation>
    </message>
    <message>
        <source>%1, %2 in total</source>
        <translation>%1, 총 %2</translation>
    </message>
    <message>
        <source>The machine is being commissioned: its results appear here when it reports.</source>
        <translation>머신을 커미션하는 중입니다. 머신이 보고하면 결과가 여기에 표시됩니다.</translation>
    </message>
    <message>
        <source>The machine is being commissioned again: these are the results of the previous commissioning.</source>
        <translation>머신을 다시 커미션하는 중입니다. 아래는 이전 커미션의 결과입니다.</translation>
    </message>
    <message>
        <source>The last commissioning failed: these are the results of an earlier one.</source>
        <translation>마지막 커미션이 실패했습니다. 아래는 그 전 커미션의 결과입니다.</translation>
    </message>
    <message>
        <source>1 disk</source>
        <translation>디스크 1개</translation>
    </message>
    <message>
        <source>%1 disks</source>
        <translation>디스크 %1개</translation>
    </message>
    <message>
        <source>%1 TB</source>
        <translation>%1 TB</translation>
    </message>
    <message>
        <source>%1 MB</source>
        <translation>%1 MB</translation>
    </message>
    <message>
        <source>IP addresses:</source>
        <translation>IP 주소:</translation>
    </message>
    <message>
        <source>The machine holds no address now</source>
        <translation>지금 머신에 할당된 주소가 없습니다</translation>
    </message>
    <message>
        <source>Edit placement…</source>
        <translation>배치 편집…</translation>
    </message>
    <message>
        <source>Change the zone, the resource pool and the tags</source>
        <translation>영역, 리소스 풀, 태그를 바꿉니다</translation>
    </message>
    <message>
        <source>Network and placement</source>
        <translation>네트워크와 배치</translation>
    </message>
    <message>
        <source>Zone:</source>
        <translation>영역:</translation>
    </message>
    <message>
        <source>Resource pool:</source>
        <translation>리소스 풀:</translation>
    </message>
    <message>
        <source>Tags:</source>
        <translation>태그:</translation>
    </message>
    <message>
        <source>No tags: administrators add them with Edit placement</source>
        <translation>태그 없음: 관리자가 배치 편집에서 추가합니다</translation>
    </message>
    <message>
        <source>Power on</source>
        <translation>전원 켜기</translation>
    </message>
    <message>
        <source>Power off</source>
        <translation>전원 끄기</translation>
    </message>
    <message>
        <source>Take action</source>
        <translation>작업 실행</translation>
    </message>
    <message>
        <source>Sign in to act on machines</source>
        <translation>머신에 작업하려면 로그인하세요</translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%2 %1</translation>
    </message>
    <message>
        <source>The actions open to you for this machine</source>
        <translation>이 머신에 실행할 수 있는 작업</translation>
    </message>
    <message>
        <source>Commission…</source>
        <translation>커미션…</translation>
    </message>
    <message>
        <source>Mark fixed…</source>
        <translation>수리됨으로 표시…</translation>
    </message>
    <message>
        <source>Commission again…</source>
        <translation>다시 커미션…</translation>
    </message>
    <message>
        <source>Mark broken…</source>
        <translation>고장으로 표시…</translation>
    </message>
    <message>
        <source>Console</source>
        <translation>콘솔</translation>
    </message>
    <message>
        <source>Hardware</source>
        <translation>하드웨어</translation>
    </message>
    <message>
        <source>Found</source>
        <translation>확인된 내용</translation>
    </message>
    <message>
        <source>Show the data as the machine reported it</source>
        <translation>머신이 보고한 데이터 그대로 보기</translation>
    </message>
    <message>
        <source>Show the summary</source>
        <translation>요약 보기</translation>
    </message>
    <message>
        <source>not reported</source>
        <translation>보고되지 않음</translation>
    </message>
    <message>
        <source>1 core</source>
        <translation>코어 1개</translation>
    </message>
    <message>
        <source>%1 cores</source>
        <translation>코어 %1개</translation>
    </message>
    <message>
        <source>Memory</source>
        <translation>메모리</translation>
    </message>
    <message>
        <source>Firmware</source>
        <translation>펌웨어</translation>
    </message>
    <message>
        <source>UEFI</source>
        <translation>UEFI</translation>
    </message>
    <message>
        <source>BIOS</source>
        <translation>BIOS</translation>
    </message>
    <message>
        <source>serial %1</source>
        <translation>시리얼 %1</translation>
    </message>
    <message>
        <source>System</source>
        <translation>시스템</translation>
    </message>
    <message>
        <source>Disks</source>
        <translation>디스크</translation>
    </message>
    <message>
        <source>Network interfaces</source>
        <translation>네트워크 인터페이스</translation>
    </message>
    <message>
        <source>link up</source>
        <translation>링크 연결됨</translation>
    </message>
    <message>
        <source>no link</source>
        <translation>링크 없음</translation>
    </message>
    <message>
        <source>boots from the network</source>
        <translation>네트워크 부팅 인터페이스</translation>
    </message>
    <message>
        <source>%1 Gb/s</source>
        <translation>%1 Gb/s</translation>
    </message>
    <message>
        <source>%1 Mb/s</source>
        <translation>%1 Mb/s</translation>
    </message>
</context>
<context>
    <name>metaldesk::MachineEventModel</name>
    <message>
        <source>Info</source>
        <translation>정보</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>경고</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>오류</translation>
    </message>
    <message>
        <source>%1 → %2</source>
        <translation>%1 → %2</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>시간</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>심각도</translation>
    </message>
    <message>
        <source>By</source>
        <translation>실행자</translation>
    </message>
    <message>
        <source>Status change</source>
        <translation>상태 변경</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>설명</translation>
    </message>
    <message>
        <source>%1

Recorded by an earlier MetalDesk in one language only: shown as it was recorded.</source>
        <translation>%1

이전 버전의 MetalDesk가 한 가지 언어로만 기록한 이벤트입니다. 기록된 그대로 표시합니다.</translation>
    </message>
</context>
<context>
    <name>metaldesk::MachinePowerTab</name>
    <message>
        <source>&amp;Check power now</source>
        <translation>지금 전원 확인(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Save power settings</source>
        <translation>전원 설정 저장(&amp;S)</translation>
    </message>
    <message>
        <source>Ask the machine&apos;s power driver whether it is on or off</source>
        <translation>머신의 전원 드라이버에 켜져 있는지 꺼져 있는지 묻습니다</translation>
    </message>
    <message>
        <source>Power:</source>
        <translation>전원:</translation>
    </message>
    <message>
        <source>Power settings</source>
        <translation>전원 설정</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>확인 중…</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>저장했습니다.</translation>
    </message>
    <message>
        <source>Set a power driver first</source>
        <translation>먼저 전원 드라이버를 설정하세요</translation>
    </message>
    <message>
        <source>Only administrators can change the power settings.</source>
        <translation>전원 설정은 관리자만 바꿀 수 있습니다.</translation>
    </message>
    <message>
        <source>Not saved yet.</source>
        <translation>아직 저장하지 않았습니다.</translation>
    </message>
</context>
<context>
    <name>metaldesk::MachineTableModel</name>
    <message>
        <source>On</source>
        <translation>켜짐</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>꺼짐</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>오류</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>알 수 없음</translation>
    </message>
    <message>
        <source>%1 GiB</source>
        <translation>%1 GiB</translation>
    </message>
    <message>
        <source>%1 GB</source>
        <translation>%1 GB</translation>
    </message>
    <message>
        <source>%1 (+%2)</source>
        <translation>%1 (+%2)</translation>
    </message>
    <message>
        <source>No power driver set</source>
        <translation>전원 드라이버가 설정되지 않음</translation>
    </message>
    <message>
        <source>Power driver: %1</source>
        <translation>전원 드라이버: %1</translation>
    </message>
    <message>
        <source>Not known until the machine is commissioned</source>
        <translation>머신을 커미션하기 전에는 알 수 없음</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>CPU cores</source>
        <translation>CPU 코어 수</translation>
    </message>
    <message>
        <source>Memory in GiB (1024³ bytes)</source>
        <translation>메모리(GiB, 1024³바이트)</translation>
    </message>
    <message>
        <source>Total disk size in GB (10⁹ bytes)</source>
        <translation>디스크 전체 크기(GB, 10⁹바이트)</translation>
    </message>
    <message>
        <source>The machine&apos;s unique id, as API clients see it</source>
        <translation>API 클라이언트가 보는 머신의 고유 ID</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Power</source>
        <translation>전원</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>소유자</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>아키텍처</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>Memory</source>
        <translation>메모리</translation>
    </message>
    <message>
        <source>Storage</source>
        <translation>스토리지</translation>
    </message>
    <message>
        <source>MAC address</source>
        <translation>MAC 주소</translation>
    </message>
    <message>
        <source>System ID</source>
        <translation>시스템 ID</translation>
    </message>
    <message>
        <source>The deployed system&apos;s address and the addresses leased to the machine now</source>
        <translation>배포된 시스템의 주소와 지금 머신에 임대된 주소</translation>
    </message>
    <message>
        <source>IP addresses</source>
        <translation>IP 주소</translation>
    </message>
    <message>
        <source>Last event</source>
        <translation>최근 이벤트</translation>
    </message>
    <message>
        <source>chassis %1</source>
        <translation>섀시 %1</translation>
    </message>
    <message>
        <source>The vSphere or libvirt host the machine was found in</source>
        <translation>머신을 찾은 vSphere 또는 libvirt 호스트</translation>
    </message>
    <message>
        <source>Chassis</source>
        <translation>섀시</translation>
    </message>
    <message>
        <source>The zone the machine is in: API clients (juju) allocate by zone</source>
        <translation>머신이 있는 영역: API 클라이언트(juju)는 영역으로 할당합니다</translation>
    </message>
    <message>
        <source>The machine&apos;s tags: API clients (juju) allocate by tag</source>
        <translation>머신의 태그: API 클라이언트(juju)는 태그로 할당합니다</translation>
    </message>
    <message>
        <source>Zone</source>
        <translation>영역</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>태그</translation>
    </message>
    <message>
        <source>%1 · timing out</source>
        <translation>%1 · 시간 초과 중</translation>
    </message>
    <message numerus="yes">
        <source>%1 · %n min left</source>
        <translation>
            <numerusform>%1 · %n분 남음</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>metaldesk::MachinesPage</name>
    <message>
        <source>Filter machines: text or status:ready owner:alice</source>
        <translation>머신 필터: 텍스트 또는 status:준비됨 owner:alice</translation>
    </message>
    <message>
        <source>&lt;p&gt;Words match the name, system ID, MAC address, owner, architecture or status.&lt;/p&gt;&lt;p&gt;Terms narrow the list further, and all must hold:&lt;br&gt;&lt;b&gt;status:&lt;/b&gt;ready &amp;nbsp; &lt;b&gt;owner:&lt;/b&gt;alice &amp;nbsp; &lt;b&gt;arch:&lt;/b&gt;amd64 &amp;nbsp; &lt;b&gt;power:&lt;/b&gt;on &amp;nbsp; &lt;b&gt;name:&lt;/b&gt; &amp;nbsp; &lt;b&gt;id:&lt;/b&gt; &amp;nbsp; &lt;b&gt;mac:&lt;/b&gt;&lt;br&gt;status:ready,broken matches either; status:!deployed excludes; owner:=al matches exactly.&lt;/p&gt;</source>
        <translation>&lt;p&gt;단어는 이름, 시스템 ID, MAC 주소, 소유자, 아키텍처, 상태와 맞춰 봅니다.&lt;/p&gt;&lt;p&gt;조건으로 목록을 더 좁힐 수 있으며, 모든 조건을 만족해야 합니다:&lt;br&gt;&lt;b&gt;status:&lt;/b&gt;ready &amp;nbsp; &lt;b&gt;owner:&lt;/b&gt;alice &amp;nbsp; &lt;b&gt;arch:&lt;/b&gt;amd64 &amp;nbsp; &lt;b&gt;power:&lt;/b&gt;on &amp;nbsp; &lt;b&gt;name:&lt;/b&gt; &amp;nbsp; &lt;b&gt;id:&lt;/b&gt; &amp;nbsp; &lt;b&gt;mac:&lt;/b&gt;&lt;br&gt;status:ready,broken은 둘 중 하나, status:!deployed는 제외, owner:=al은 정확히 일치합니다.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>The machines could not be read</source>
        <translation>머신 목록을 읽을 수 없습니다</translation>
    </message>
    <message>
        <source>No machines yet</source>
        <translation>아직 머신이 없습니다</translation>
    </message>
    <message>
        <source>Machines appear here when they PXE-boot on the boot network, or when you add them.</source>
        <translation>부트 네트워크에서 PXE 부팅하거나 직접 추가하면 머신이 여기에 나타납니다.</translation>
    </message>
    <message>
        <source>No machines</source>
        <translation>머신 없음</translation>
    </message>
    <message>
        <source>1 machine</source>
        <translation>머신 1대</translation>
    </message>
    <message>
        <source>%1 machines</source>
        <translation>머신 %1대</translation>
    </message>
    <message>
        <source>%1 of 1 machine</source>
        <translation>머신 1대 중 %1대</translation>
    </message>
    <message>
        <source>%1 of %2 machines</source>
        <translation>머신 %2대 중 %1대</translation>
    </message>
    <message>
        <source>%1, %2 selected</source>
        <translation>%1, %2대 선택됨</translation>
    </message>
    <message>
        <source>&amp;Take action</source>
        <translation>작업 실행(&amp;T)</translation>
    </message>
    <message>
        <source>Sign in to take actions on machines</source>
        <translation>머신에 작업을 실행하려면 로그인하세요</translation>
    </message>
    <message>
        <source>Select one or more machines first</source>
        <translation>먼저 머신을 하나 이상 선택하세요</translation>
    </message>
    <message>
        <source>Act on the selected machines as %1</source>
        <translation>선택한 머신에 %1 사용자로 작업을 실행합니다</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>%1: done for %2.</source>
        <translation>%1: %2 완료.</translation>
    </message>
    <message>
        <source>%1: done for all %2 machines.</source>
        <translation>%1: 머신 %2대 모두 완료.</translation>
    </message>
    <message>
        <source>Wait until the action being taken is done</source>
        <translation>실행 중인 작업이 끝날 때까지 기다리세요</translation>
    </message>
    <message>
        <source>%1: %2 machines…</source>
        <translation>%1: 머신 %2대 작업 중…</translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%1 %2</translation>
    </message>
    <message>
        <source>Show only the machines that are %1 (status:%2)</source>
        <translation>%1 상태인 머신만 보기 (status:%2)</translation>
    </message>
    <message>
        <source>&amp;Add machine</source>
        <translation>머신 추가(&amp;A)</translation>
    </message>
    <message>
        <source>Add one machine by its MAC addresses and power settings (Ctrl+N)</source>
        <translation>MAC 주소와 전원 설정으로 머신 하나를 추가합니다 (Ctrl+N)</translation>
    </message>
    <message>
        <source>Added %1: it is New; commission it to learn its hardware.</source>
        <translation>%1을(를) 추가했습니다: 새 머신입니다. 하드웨어를 알아보려면 커미션하세요.</translation>
    </message>
    <message>
        <source>Commissioning results received: 16 CPUs</source>
        <translation>커미션 결과를 받았습니다: CPU 16개</translation>
    </message>
    <message>
        <source>%1: not taken.</source>
        <translation>%1: 실행하지 않음.</translation>
    </message>
    <message>
        <source>%1: started for %2.</source>
        <translation>%1: %2에서 시작함.</translation>
    </message>
    <message>
        <source>%1: started for all %2 machines.</source>
        <translation>%1: 머신 %2대 모두에서 시작함.</translation>
    </message>
    <message>
        <source>%1: started for %2 of %3 machines.</source>
        <translation>%1: 머신 %3대 중 %2대에서 시작함.</translation>
    </message>
    <message>
        <source>%1: done for %2 of %3 machines.</source>
        <translation>%1: 머신 %3대 중 %2대 완료.</translation>
    </message>
    <message>
        <source>Not taken:</source>
        <translation>실행하지 않음:</translation>
    </message>
    <message>
        <source>Add machine…</source>
        <translation>머신 추가…</translation>
    </message>
    <message>
        <source>Add &amp;machine…</source>
        <translation>머신 추가(&amp;M)…</translation>
    </message>
    <message>
        <source>Add &amp;chassis…</source>
        <translation>섀시 추가(&amp;C)…</translation>
    </message>
    <message>
        <source>Add every VM of a libvirt host as a machine that MetalDesk powers</source>
        <translation>libvirt 호스트의 모든 VM을 MetalDesk가 전원을 제어하는 머신으로 추가합니다</translation>
    </message>
    <message>
        <source>Add chassis…</source>
        <translation>섀시 추가…</translation>
    </message>
</context>
<context>
    <name>metaldesk::MainWindow</name>
    <message>
        <source>MetalDesk</source>
        <translation>MetalDesk</translation>
    </message>
    <message>
        <source>Machines</source>
        <translation>머신</translation>
    </message>
    <message>
        <source>Services</source>
        <translation>서비스</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>네트워크</translation>
    </message>
    <message>
        <source>Signed in as %1 (administrator)</source>
        <translation>로그인함: %1 (관리자)</translation>
    </message>
    <message>
        <source>Signed in as %1</source>
        <translation>로그인함: %1</translation>
    </message>
    <message>
        <source>Failures appear here the moment they happen</source>
        <translation>실패가 생기면 바로 여기에 표시됩니다</translation>
    </message>
    <message>
        <source>Show or hide the problems</source>
        <translation>문제 목록 보이기/숨기기</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>사용자</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>설정(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>언어(&amp;L)</translation>
    </message>
    <message>
        <source>The system&apos;s (%1)</source>
        <translation>시스템 언어 (%1)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>도움말(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About MetalDesk</source>
        <translation>MetalDesk 정보(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Account</source>
        <translation>계정(&amp;A)</translation>
    </message>
    <message>
        <source>Sign &amp;in…</source>
        <translation>로그인(&amp;I)…</translation>
    </message>
    <message>
        <source>Sign &amp;out</source>
        <translation>로그아웃(&amp;O)</translation>
    </message>
    <message>
        <source>Not signed in: sign in to act</source>
        <translation>로그인하지 않음: 작업하려면 로그인하세요</translation>
    </message>
    <message>
        <source>Sign in as another user, or sign out</source>
        <translation>다른 사용자로 로그인하거나 로그아웃합니다</translation>
    </message>
    <message>
        <source>Sign in to act on machines</source>
        <translation>머신에 작업하려면 로그인하세요</translation>
    </message>
    <message>
        <source>Sign &amp;in as another user…</source>
        <translation>다른 사용자로 로그인(&amp;I)…</translation>
    </message>
    <message>
        <source>Signed out.</source>
        <translation>로그아웃했습니다.</translation>
    </message>
    <message>
        <source>&lt;h3&gt;MetalDesk %1&lt;/h3&gt;&lt;p&gt;Metal-as-a-Service for the home lab: discover, commission, deploy and release machines.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Database:&lt;/b&gt; %2&lt;br&gt;&lt;b&gt;Data folder:&lt;/b&gt; %3&lt;br&gt;&lt;b&gt;Qt:&lt;/b&gt; %4&lt;/p&gt;</source>
        <translation>&lt;h3&gt;MetalDesk %1&lt;/h3&gt;&lt;p&gt;홈랩을 위한 Metal-as-a-Service: 머신을 찾고, 커미션하고, 배포하고, 릴리스합니다.&lt;/p&gt;&lt;p&gt;&lt;b&gt;데이터베이스:&lt;/b&gt; %2&lt;br&gt;&lt;b&gt;데이터 폴더:&lt;/b&gt; %3&lt;br&gt;&lt;b&gt;Qt:&lt;/b&gt; %4&lt;/p&gt;</translation>
    </message>
    <message>
        <source>About MetalDesk</source>
        <translation>MetalDesk 정보</translation>
    </message>
    <message>
        <source>Chassis</source>
        <translation>섀시</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>이미지</translation>
    </message>
    <message>
        <source>Desktop &amp;notifications</source>
        <translation>데스크톱 알림(&amp;N)</translation>
    </message>
    <message>
        <source>A desktop notification for each failure and for each commissioning, deployment or release that finished</source>
        <translation>실패할 때마다, 그리고 커미션·배포·릴리스가 끝날 때마다 데스크톱 알림을 보냅니다</translation>
    </message>
</context>
<context>
    <name>metaldesk::NetworkPage</name>
    <message>
        <source>Managed: MetalDesk gives the addresses</source>
        <translation>관리형: MetalDesk가 주소를 할당합니다</translation>
    </message>
    <message>
        <source>Proxy: another DHCP server gives the addresses</source>
        <translation>프록시: 다른 DHCP 서버가 주소를 할당합니다</translation>
    </message>
    <message>
        <source>Check for other DHCP servers</source>
        <translation>다른 DHCP 서버 확인</translation>
    </message>
    <message>
        <source>Revert</source>
        <translation>되돌리기</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>적용</translation>
    </message>
    <message>
        <source>%1 (the default)</source>
        <translation>%1(기본값)</translation>
    </message>
    <message>
        <source>The boot network is where machines network-boot. MetalDesk answers DHCP there only, on the interface chosen here.</source>
        <translation>부트 네트워크는 머신이 네트워크 부팅을 하는 곳입니다. MetalDesk는 여기서 선택한 인터페이스를 통해 이 네트워크에서만 DHCP에 응답합니다.</translation>
    </message>
    <message>
        <source>Boot interface:</source>
        <translation>부트 인터페이스:</translation>
    </message>
    <message>
        <source>DHCP mode:</source>
        <translation>DHCP 모드:</translation>
    </message>
    <message>
        <source>Dynamic range:</source>
        <translation>동적 범위:</translation>
    </message>
    <message>
        <source>Reserved range:</source>
        <translation>예약 범위:</translation>
    </message>
    <message>
        <source>Gateway:</source>
        <translation>게이트웨이:</translation>
    </message>
    <message>
        <source>DNS servers:</source>
        <translation>DNS 서버:</translation>
    </message>
    <message>
        <source>Domain:</source>
        <translation>도메인:</translation>
    </message>
    <message>
        <source>Lease time (seconds):</source>
        <translation>임대 시간(초):</translation>
    </message>
    <message>
        <source>DHCP on the boot network</source>
        <translation>부트 네트워크의 DHCP</translation>
    </message>
    <message>
        <source>Cannot read the settings: %1</source>
        <translation>설정을 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>None (DHCP off)</source>
        <translation>없음(DHCP 끔)</translation>
    </message>
    <message>
        <source>%1 (not available)</source>
        <translation>%1(사용할 수 없음)</translation>
    </message>
    <message>
        <source>MetalDesk gives addresses from the dynamic range to machines while they enlist and commission, and addresses from the reserved range to deployed machines.</source>
        <translation>MetalDesk는 등록·커미션 중인 머신에는 동적 범위의 주소를, 배포된 머신에는 예약 범위의 주소를 할당합니다.</translation>
    </message>
    <message>
        <source>for example %1-%2</source>
        <translation>예: %1-%2</translation>
    </message>
    <message>
        <source>for example %1</source>
        <translation>예: %1</translation>
    </message>
    <message>
        <source>for example %1, %2 (comma-separated)</source>
        <translation>예: %1, %2(쉼표로 구분)</translation>
    </message>
    <message>
        <source>No boot interface chosen: MetalDesk answers no DHCP.</source>
        <translation>부트 인터페이스를 선택하지 않았습니다: MetalDesk는 DHCP에 응답하지 않습니다.</translation>
    </message>
    <message>
        <source>Asking on %1 whether another DHCP server answers…</source>
        <translation>%1에서 다른 DHCP 서버가 응답하는지 확인하는 중…</translation>
    </message>
    <message>
        <source>No other DHCP server answered on %1.</source>
        <translation>%1에서 응답한 다른 DHCP 서버가 없습니다.</translation>
    </message>
    <message>
        <source>Another DHCP server answers on %1: %2. Proxy mode lets it keep giving the addresses while MetalDesk adds the boot information.</source>
        <translation>%1에서 다른 DHCP 서버가 응답합니다: %2. 프록시 모드를 쓰면 그 서버가 계속 주소를 할당하고 MetalDesk는 부트 정보를 추가합니다.</translation>
    </message>
    <message>
        <source>Another DHCP server answers</source>
        <translation>다른 DHCP 서버가 응답합니다</translation>
    </message>
    <message>
        <source>Another DHCP server answers on %1: %2.</source>
        <translation>%1에서 다른 DHCP 서버가 응답합니다: %2.</translation>
    </message>
    <message>
        <source>Two servers giving addresses on one network hand out conflicting addresses, and machines may not boot. Proxy mode lets the other server keep giving the addresses while MetalDesk adds only the boot information.</source>
        <translation>한 네트워크에서 두 서버가 주소를 할당하면 주소가 충돌해 머신이 부팅하지 못할 수 있습니다. 프록시 모드를 쓰면 다른 서버가 계속 주소를 할당하고 MetalDesk는 부트 정보만 추가합니다.</translation>
    </message>
    <message>
        <source>Use proxy mode</source>
        <translation>프록시 모드 사용</translation>
    </message>
    <message>
        <source>Run managed DHCP anyway</source>
        <translation>그래도 관리형 DHCP 실행</translation>
    </message>
    <message>
        <source>Cannot save the settings: %1</source>
        <translation>설정을 저장할 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Saved, but DHCP did not restart: %1</source>
        <translation>저장했지만 DHCP를 다시 시작하지 못했습니다: %1</translation>
    </message>
    <message>
        <source>Saved. DHCP is off.</source>
        <translation>저장했습니다. DHCP가 꺼져 있습니다.</translation>
    </message>
    <message>
        <source>Saved. DHCP restarted on %1.</source>
        <translation>저장했습니다. %1에서 DHCP를 다시 시작했습니다.</translation>
    </message>
    <message>
        <source>DHCP is not running.</source>
        <translation>DHCP가 실행되고 있지 않습니다.</translation>
    </message>
    <message>
        <source>DHCP is not running: %1</source>
        <translation>DHCP가 실행되고 있지 않습니다: %1</translation>
    </message>
    <message>
        <source>DHCP is running: %1.</source>
        <translation>DHCP 실행 중: %1.</translation>
    </message>
    <message>
        <source>DHCP is starting.</source>
        <translation>DHCP를 시작하는 중입니다.</translation>
    </message>
    <message>
        <source>Saved. DHCP restarted on %1, but: %2</source>
        <translation>저장했습니다. %1에서 DHCP를 다시 시작했지만 다음 문제가 있습니다: %2</translation>
    </message>
    <message>
        <source>Another DHCP server gives addresses; MetalDesk only adds boot information. The address settings below do not apply. Every computer on this network that starts from the network then boots MetalDesk&apos;s environment, enlists and powers off: turn network boot off in the firmware of computers that are not for MetalDesk.</source>
        <translation>다른 DHCP 서버가 주소를 할당하고, MetalDesk는 부트 정보만 추가합니다. 아래 주소 설정은 적용되지 않습니다. 이 네트워크에서 네트워크 부팅하는 모든 컴퓨터가 MetalDesk의 환경으로 부팅해 등록되고 전원이 꺼집니다: MetalDesk용이 아닌 컴퓨터는 펌웨어에서 네트워크 부팅을 끄세요.</translation>
    </message>
</context>
<context>
    <name>metaldesk::NewKeyDialog</name>
    <message>
        <source>New API key</source>
        <translation>새 API 키</translation>
    </message>
    <message>
        <source>This is the only time the whole key is shown. Copy it now, and give it to juju (juju add-credential, maas-oauth) or another MAAS client.</source>
        <translation>키 전체는 지금 한 번만 표시됩니다. 지금 복사해서 juju(juju add-credential, maas-oauth)나 다른 MAAS 클라이언트에 입력하세요.</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>복사(&amp;C)</translation>
    </message>
    <message>
        <source>Copied to the clipboard.</source>
        <translation>클립보드에 복사했습니다.</translation>
    </message>
</context>
<context>
    <name>metaldesk::NotificationModel</name>
    <message>
        <source>%1  %2: %3</source>
        <translation>%1  %2: %3</translation>
    </message>
    <message>
        <source>Double-click to open %1</source>
        <translation>두 번 클릭하면 %1을(를) 엽니다</translation>
    </message>
    <message>
        <source>A MetalDesk service: double-click to open the Services page</source>
        <translation>MetalDesk 서비스: 두 번 클릭하면 서비스 페이지가 열립니다</translation>
    </message>
    <message>
        <source>No problems</source>
        <translation>문제 없음</translation>
    </message>
    <message>
        <source>1 problem</source>
        <translation>문제 1건</translation>
    </message>
    <message>
        <source>%1 problems</source>
        <translation>문제 %1건</translation>
    </message>
</context>
<context>
    <name>metaldesk::NotificationPanel</name>
    <message>
        <source>&amp;Dismiss all</source>
        <translation>모두 확인(&amp;D)</translation>
    </message>
    <message>
        <source>Problems</source>
        <translation>문제</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>확인</translation>
    </message>
    <message>
        <source>Open the Services page</source>
        <translation>서비스 페이지 열기</translation>
    </message>
    <message>
        <source>Open the machine</source>
        <translation>머신 열기</translation>
    </message>
</context>
<context>
    <name>metaldesk::PlacementDialog</name>
    <message>
        <source>Edit placement of %1</source>
        <translation>%1의 배치 편집</translation>
    </message>
    <message>
        <source>Where the machine is, as API clients ask for it (juju&apos;s zones)</source>
        <translation>API 클라이언트가 요청하는 머신의 위치(juju의 영역)</translation>
    </message>
    <message>
        <source>A set of machines kept for one purpose or team</source>
        <translation>한 용도나 팀을 위해 둔 머신 모음</translation>
    </message>
    <message>
        <source>gpu, ssd, rack-2, ...</source>
        <translation>gpu, ssd, rack-2, ...</translation>
    </message>
    <message>
        <source>Labels API clients allocate by (juju&apos;s tags constraint)</source>
        <translation>API 클라이언트가 할당에 쓰는 레이블(juju의 tags 제약)</translation>
    </message>
    <message>
        <source>Zone:</source>
        <translation>영역:</translation>
    </message>
    <message>
        <source>Resource pool:</source>
        <translation>리소스 풀:</translation>
    </message>
    <message>
        <source>Tags:</source>
        <translation>태그:</translation>
    </message>
    <message>
        <source>the zone &apos;%1&apos;</source>
        <translation>영역 &apos;%1&apos;</translation>
    </message>
    <message>
        <source>the resource pool &apos;%1&apos;</source>
        <translation>리소스 풀 &apos;%1&apos;</translation>
    </message>
    <message>
        <source>Save creates %1.</source>
        <translation>저장하면 %1이(가) 만들어집니다.</translation>
    </message>
    <message>
        <source> and </source>
        <translation>과(와) </translation>
    </message>
</context>
<context>
    <name>metaldesk::PowerPoller</name>
    <message>
        <source>checks the power of every machine that can tell every %1 s</source>
        <translation>상태를 알 수 있는 모든 머신의 전원을 %1초마다 확인합니다</translation>
    </message>
    <message>
        <source>power checks</source>
        <translation>전원 확인</translation>
    </message>
    <message>
        <source>failed checks</source>
        <translation>실패한 확인</translation>
    </message>
    <message>
        <source>rounds</source>
        <translation>회차</translation>
    </message>
</context>
<context>
    <name>metaldesk::PowerSettingsForm</name>
    <message>
        <source>None</source>
        <translation>없음</translation>
    </message>
    <message>
        <source>How MetalDesk switches the machine on and off; none: it does not</source>
        <translation>MetalDesk가 머신 전원을 켜고 끄는 방법. 없음: 켜고 끄지 않습니다</translation>
    </message>
    <message>
        <source>Power driver:</source>
        <translation>전원 드라이버:</translation>
    </message>
    <message>
        <source>required</source>
        <translation>필수</translation>
    </message>
    <message>
        <source>Default (%1)</source>
        <translation>기본값 (%1)</translation>
    </message>
</context>
<context>
    <name>metaldesk::ServicesPage</name>
    <message>
        <source>Service</source>
        <translation>서비스</translation>
    </message>
    <message>
        <source>State</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>세부 정보</translation>
    </message>
    <message>
        <source>Activity</source>
        <translation>활동</translation>
    </message>
    <message>
        <source>DHCP leases</source>
        <translation>DHCP 임대</translation>
    </message>
    <message>
        <source>Counter</source>
        <translation>카운터</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>값</translation>
    </message>
    <message>
        <source>seconds ago</source>
        <translation>초 전</translation>
    </message>
    <message>
        <source>Reading the leases…</source>
        <translation>임대 정보를 읽는 중…</translation>
    </message>
    <message>
        <source>released</source>
        <translation>해제됨</translation>
    </message>
    <message>
        <source>running</source>
        <translation>실행 중</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>중지됨</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>실패</translation>
    </message>
    <message>
        <source>starting</source>
        <translation>시작 중</translation>
    </message>
    <message>
        <source>Select a service to see its counters.</source>
        <translation>카운터를 보려면 서비스를 선택하세요.</translation>
    </message>
    <message>
        <source>%1 counts nothing.</source>
        <translation>%1에는 카운터가 없습니다.</translation>
    </message>
    <message>
        <source>Counters of %1</source>
        <translation>%1 카운터</translation>
    </message>
    <message>
        <source>Cannot read the DHCP leases: %1</source>
        <translation>DHCP 임대 정보를 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>per second</source>
        <translation>초당</translation>
    </message>
    <message>
        <source>Charted per second</source>
        <translation>초당 값으로 차트에 표시</translation>
    </message>
    <message>
        <source>No DHCP leases yet</source>
        <translation>아직 DHCP 임대가 없습니다</translation>
    </message>
    <message>
        <source>1 lease, %1 in use</source>
        <translation>임대 1개, 사용 중 %1개</translation>
    </message>
    <message>
        <source>%1 leases, %2 in use</source>
        <translation>임대 %1개, 사용 중 %2개</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1:&lt;/b&gt; %2</source>
        <translation>&lt;b&gt;%1:&lt;/b&gt; %2</translation>
    </message>
</context>
<context>
    <name>metaldesk::SignInDialog</name>
    <message>
        <source>Sign in to MetalDesk</source>
        <translation>MetalDesk 로그인</translation>
    </message>
    <message>
        <source>User name:</source>
        <translation>사용자 이름:</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>비밀번호:</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>로그인</translation>
    </message>
</context>
<context>
    <name>metaldesk::TakeActionMenu</name>
    <message>
        <source>Select machines to act on</source>
        <translation>작업할 머신을 선택하세요</translation>
    </message>
    <message>
        <source>%1 (%2 of %3)</source>
        <translation>%1 (%3대 중 %2대)</translation>
    </message>
    <message>
        <source>No action is open to you for the selected machines</source>
        <translation>선택한 머신에 실행할 수 있는 작업이 없습니다</translation>
    </message>
</context>
<context>
    <name>metaldesk::TimeoutMonitor</name>
    <message>
        <source>checks commissioning, deploying and releasing timeouts every %1 s</source>
        <translation>커미션, 배포, 릴리스 시간 초과를 %1초마다 확인합니다</translation>
    </message>
</context>
<context>
    <name>metaldesk::UsersPage</name>
    <message>
        <source>User name</source>
        <translation>사용자 이름</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>이메일</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>역할</translation>
    </message>
    <message>
        <source>&amp;Add user…</source>
        <translation>사용자 추가(&amp;A)…</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>생성 시각</translation>
    </message>
    <message>
        <source>Consumer key</source>
        <translation>컨슈머 키</translation>
    </message>
    <message>
        <source>&amp;Create API key…</source>
        <translation>API 키 만들기(&amp;C)…</translation>
    </message>
    <message>
        <source>&amp;Revoke</source>
        <translation>폐기(&amp;R)</translation>
    </message>
    <message>
        <source>API keys let juju and other MAAS clients act as that user: http://&lt;this host&gt;:5240/MAAS with the key.</source>
        <translation>API 키가 있으면 juju와 다른 MAAS 클라이언트가 그 사용자로 작업합니다. 클라이언트에 http://&lt;이 호스트&gt;:5240/MAAS 주소와 API 키를 입력하세요.</translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation>관리자</translation>
    </message>
    <message>
        <source>User</source>
        <translation>사용자</translation>
    </message>
    <message>
        <source>API keys of %1</source>
        <translation>%1의 API 키</translation>
    </message>
    <message>
        <source>API keys</source>
        <translation>API 키</translation>
    </message>
    <message>
        <source>(no name)</source>
        <translation>(이름 없음)</translation>
    </message>
    <message>
        <source>Create API key</source>
        <translation>API 키 만들기</translation>
    </message>
    <message>
        <source>A name for the key (where it will be used, e.g. juju):</source>
        <translation>키 이름 (사용할 곳, 예: juju):</translation>
    </message>
    <message>
        <source>%1 has no API key yet. Create API key makes one for juju or another MAAS client.</source>
        <translation>%1에게는 아직 API 키가 없습니다. API 키 만들기를 누르면 juju나 다른 MAAS 클라이언트용 키를 만듭니다.</translation>
    </message>
</context>
</TS>
