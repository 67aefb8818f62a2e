import FluxCore
import FaissBridge
