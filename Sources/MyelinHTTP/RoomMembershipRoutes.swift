import MatrixCore
import MyelinRooms

struct RoomMembershipRoutes {
    let services: MatrixServices

    var routes: [Route] { [] }
}
