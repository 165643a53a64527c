<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR">
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
        <source>Create an administrator account (as &apos;maas createadmin&apos;). Options that are missing are asked for when a terminal is present.</source>
        <translation>관리자 계정을 만듭니다(&apos;maas createadmin&apos;과 같음). 빠진 옵션은 터미널이 있으면 물어봅니다.</translation>
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
        <source>The password (asked for without echo when omitted).</source>
        <translation>비밀번호(생략하면 화면에 표시하지 않고 물어봅니다).</translation>
    </message>
    <message>
        <source>password</source>
        <translation>비밀번호</translation>
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
        <source>MetalDesk: metal-as-a-service for the home lab.

Commands:
  createadmin   Create an administrator account (see &apos;metaldesk createadmin --help&apos;).</source>
        <translation>MetalDesk: 홈 랩을 위한 메탈 애즈 어 서비스.

명령:
  createadmin   관리자 계정을 만듭니다(&apos;metaldesk createadmin --help&apos; 참고).</translation>
    </message>
    <message>
        <source>Run all services without a window (home servers, CI).</source>
        <translation>창 없이 모든 서비스를 실행합니다(홈 서버, CI).</translation>
    </message>
    <message>
        <source>The IP address the boot servers and the API listen on (default: all addresses).</source>
        <translation>부트 서버와 API가 수신할 IP 주소(기본값: 모든 주소).</translation>
    </message>
    <message>
        <source>Optional: createadmin.</source>
        <translation>선택: createadmin.</translation>
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
        <source>the dynamic range &apos;%1&apos; should look like 10.99.0.100-10.99.0.199</source>
        <translation>동적 범위 &apos;%1&apos;은(는) 10.99.0.100-10.99.0.199 형식이어야 합니다</translation>
    </message>
    <message>
        <source>the dynamic range %1 is not inside the subnet of %2 (%3)</source>
        <translation>동적 범위 %1이(가) %2의 서브넷(%3) 안에 있지 않습니다</translation>
    </message>
    <message>
        <source>the dynamic range %1 contains this server&apos;s own address %2</source>
        <translation>동적 범위 %1에 이 서버의 주소 %2이(가) 들어 있습니다</translation>
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
        <source>. Ports below 1024 need root or the capability: sudo setcap cap_net_bind_service,cap_net_raw=ep %1</source>
        <translation>. 1024 미만 포트는 root 권한이나 다음 권한이 필요합니다: sudo setcap cap_net_bind_service,cap_net_raw=ep %1</translation>
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
        <source>  address:   %1 (what the servers bind to; change with --listen)</source>
        <translation>  주소:       %1(서버가 바인딩할 주소, --listen으로 변경)</translation>
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
        <translation>릴리즈...</translation>
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
        <translation>구조 모드 진입...</translation>
    </message>
    <message>
        <source>Exit rescue mode...</source>
        <translation>구조 모드 종료...</translation>
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
        <translation>릴리즈 중</translation>
    </message>
    <message>
        <source>Releasing failed</source>
        <translation>릴리즈 실패</translation>
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
        <translation>구조 모드</translation>
    </message>
    <message>
        <source>Entering rescue mode</source>
        <translation>구조 모드 진입 중</translation>
    </message>
    <message>
        <source>Failed to enter rescue mode</source>
        <translation>구조 모드 진입 실패</translation>
    </message>
    <message>
        <source>Exiting rescue mode</source>
        <translation>구조 모드 종료 중</translation>
    </message>
    <message>
        <source>Failed to exit rescue mode</source>
        <translation>구조 모드 종료 실패</translation>
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
        <source>the setting %1 should be a whole number, not &apos;%2&apos;</source>
        <translation>설정 %1은(는) &apos;%2&apos;이(가) 아니라 정수여야 합니다</translation>
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
        <translation>데이터 디렉터리 %1을(를) 만들 수 없습니다(권한이 없거나 같은 이름의 파일이 있음). 권한을 고치거나 --database 경로로 다른 위치를 고르세요.</translation>
    </message>
    <message>
        <source>the data directory %1 is not writable (the database keeps its journal there). Fix its permissions, or choose another place with --database PATH.</source>
        <translation>데이터 디렉터리 %1에 쓸 수 없습니다(데이터베이스가 저널을 그곳에 둡니다). 권한을 고치거나 --database 경로로 다른 위치를 고르세요.</translation>
    </message>
    <message>
        <source>the database file %1 is read-only. Fix its permissions, or choose another file with --database PATH.</source>
        <translation>데이터베이스 파일 %1은(는) 읽기 전용입니다. 권한을 고치거나 --database 경로로 다른 파일을 고르세요.</translation>
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
        <translation>%1은(는) MetalDesk 데이터베이스가 아닙니다(SQLite 메시지: %2). 파일을 다른 곳으로 옮기거나 --database 경로로 다른 파일을 고르세요.</translation>
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
        <translation>%1에는 MetalDesk가 아닌 다른 프로그램의 데이터가 있습니다(테이블: %2). --database로 빈 데이터베이스나 MetalDesk 데이터베이스를 고르세요.</translation>
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
        <translation>%1은(는) 더 새로운 MetalDesk가 쓴 데이터베이스입니다(스키마 버전 %2, 이 프로그램은 %3까지 압니다). MetalDesk를 업그레이드하거나 --database로 다른 데이터베이스를 고르세요.</translation>
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
        <source>Machine created</source>
        <translation>머신 생성됨</translation>
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
        <source>MetalDesk</source>
        <translation>MetalDesk</translation>
    </message>
    <message>
        <source>%1 by %2</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>cannot %1: nothing to do while the machine is %2</source>
        <translation>%1 불가: 머신이 %2 상태일 때는 할 일이 없습니다</translation>
    </message>
    <message>
        <source>cannot mark %1 as failed: it is %2, nothing is in progress</source>
        <translation>%1을(를) 실패로 표시할 수 없습니다: %2 상태이며 진행 중인 작업이 없습니다</translation>
    </message>
    <message>
        <source>Timed out: %1 took longer than %2 minutes</source>
        <translation>시간 초과: %1 상태가 %2분을 넘었습니다</translation>
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
</context>
<context>
    <name>metaldesk::MachinesPage</name>
    <message>
        <source>Filter machines: text or status:ready owner:alice</source>
        <translation>머신 필터: 텍스트 또는 status:ready owner:alice</translation>
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
        <source>Database: %1</source>
        <translation>데이터베이스: %1</translation>
    </message>
</context>
<context>
    <name>metaldesk::TimeoutMonitor</name>
    <message>
        <source>checks commissioning, deploying and releasing timeouts every %1 s</source>
        <translation>커미션, 배포, 릴리즈 시간 초과를 %1초마다 확인합니다</translation>
    </message>
</context>
</TS>
